package resources

import (
	"encoding/json"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// instance is an InterviewAPI as the API server returns it after defaulting.
func instance() *iapiv1alpha1.InterviewAPI {
	return &iapiv1alpha1.InterviewAPI{
		ObjectMeta: metav1.ObjectMeta{Name: "interview", Namespace: "prod", UID: types.UID("uid-1")},
		Spec: iapiv1alpha1.InterviewAPISpec{
			Image:    "registry.example/interviewapi-server:v0.1.0",
			Replicas: ptr.To[int32](4),
			Database: iapiv1alpha1.DatabaseSpec{
				URLSecretRef: iapiv1alpha1.SecretKeyRef{Name: "interview-db", Key: "url"},
				Pool: iapiv1alpha1.PoolSpec{Size: 20, MaxOverflow: ptr.To[int32](30),
					Timeout: &metav1.Duration{Duration: 30 * time.Second}, Recycle: &metav1.Duration{Duration: time.Hour}},
			},
			Monitoring: iapiv1alpha1.MonitoringSpec{Enabled: ptr.To(true)},
		},
	}
}

// decode turns an apply configuration into the typed object it stands for.
func decode[T any](t *testing.T, ac any) *T {
	t.Helper()
	b, err := json.Marshal(ac)
	if err != nil {
		t.Fatal(err)
	}
	out := new(T)
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return out
}

func TestSeconds(t *testing.T) {
	cases := map[time.Duration]string{
		30 * time.Second:        "30",
		500 * time.Millisecond:  "0.5",
		time.Hour:               "3600",
		0:                       "0",
		time.Millisecond:        "0.001",
		1500 * time.Microsecond: "0.0015",
		90 * time.Second:        "90",
		10 * time.Minute:        "600",
		24 * time.Hour:          "86400",
	}
	for d, want := range cases {
		if got := Seconds(d); got != want {
			t.Errorf("Seconds(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestServerEnv(t *testing.T) {
	secret := corev1.EnvVar{Name: "DATABASE_URL", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: "interview-db"}, Key: "url"}}}
	env := func(async, size, overflow, timeout, recycle, monitoring string) []corev1.EnvVar {
		return []corev1.EnvVar{secret,
			{Name: "ASYNC_DATABASE_ENABLED", Value: async},
			{Name: "ASYNC_DATABASE_POOL_SIZE", Value: size},
			{Name: "ASYNC_DATABASE_MAX_OVERFLOW", Value: overflow},
			{Name: "ASYNC_DATABASE_POOL_TIMEOUT", Value: timeout},
			{Name: "ASYNC_DATABASE_POOL_RECYCLE", Value: recycle},
			{Name: "ASYNC_DATABASE_MONITORING_ENABLED", Value: monitoring},
			{Name: "LISTEN_ADDR", Value: ":8000"},
		}
	}
	cases := []struct {
		name   string
		mutate func(*iapiv1alpha1.InterviewAPI)
		want   []corev1.EnvVar
	}{
		{"defaults, sync", func(*iapiv1alpha1.InterviewAPI) {}, env("false", "20", "30", "30", "3600", "true")},
		{"async", func(in *iapiv1alpha1.InterviewAPI) { in.Spec.Database.Async.Enabled = true },
			env("true", "20", "30", "30", "3600", "true")},
		{"small pool, sub-second timeout, no recycling", func(in *iapiv1alpha1.InterviewAPI) {
			in.Spec.Database.Pool = iapiv1alpha1.PoolSpec{Size: 5, MaxOverflow: ptr.To[int32](0),
				Timeout: &metav1.Duration{Duration: 500 * time.Millisecond}, Recycle: &metav1.Duration{}}
		}, env("false", "5", "0", "0.5", "0", "true")},
		{"pool never defaulted by the API server", func(in *iapiv1alpha1.InterviewAPI) {
			in.Spec.Database.Pool = iapiv1alpha1.PoolSpec{}
		}, env("false", "20", "30", "30", "3600", "true")},
		{"monitoring off", func(in *iapiv1alpha1.InterviewAPI) { in.Spec.Monitoring.Enabled = ptr.To(false) },
			env("false", "20", "30", "30", "3600", "false")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := instance()
			tc.mutate(in)
			got := ServerEnv(in, in.Spec.DesiredRevision())
			if !equality.Semantic.DeepEqual(got, tc.want) {
				t.Errorf("env:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestConfigHash(t *testing.T) {
	in := instance()
	base := ConfigHash(ServerEnv(in, in.Spec.DesiredRevision()))
	if len(base) != configHashLength {
		t.Fatalf("hash %q is not %d characters", base, configHashLength)
	}
	if again := ConfigHash(ServerEnv(in, in.Spec.DesiredRevision())); again != base {
		t.Errorf("same settings, different hash: %s then %s", base, again)
	}
	changes := map[string]func(*iapiv1alpha1.InterviewAPI){
		"async":       func(in *iapiv1alpha1.InterviewAPI) { in.Spec.Database.Async.Enabled = true },
		"pool size":   func(in *iapiv1alpha1.InterviewAPI) { in.Spec.Database.Pool.Size = 21 },
		"secret key":  func(in *iapiv1alpha1.InterviewAPI) { in.Spec.Database.URLSecretRef.Key = "dsn" },
		"secret name": func(in *iapiv1alpha1.InterviewAPI) { in.Spec.Database.URLSecretRef.Name = "other" },
		"monitoring":  func(in *iapiv1alpha1.InterviewAPI) { in.Spec.Monitoring.Enabled = ptr.To(false) },
	}
	for name, mutate := range changes {
		in := instance()
		mutate(in)
		if got := ConfigHash(ServerEnv(in, in.Spec.DesiredRevision())); got == base {
			t.Errorf("changing the %s kept the config hash %s", name, got)
		}
	}
}

func TestDeploymentTracks(t *testing.T) {
	in := instance()
	stableRev := in.Spec.DesiredRevision()
	canaryRev := iapiv1alpha1.NewRevision(true, iapiv1alpha1.PoolSpec{Size: 10})
	cases := []struct {
		name         string
		params       DeploymentParams
		wantName     string
		wantAsync    string
		wantSurge    string
		wantUnavail  string
		wantReplicas int32
	}{
		{"stable", DeploymentParams{Track: iapiv1alpha1.TrackStable, Revision: stableRev, Replicas: 3},
			"interview-stable", "false", "1", "0", 3},
		{"canary", DeploymentParams{Track: iapiv1alpha1.TrackCanary, Revision: canaryRev, Replicas: 1},
			"interview-canary", "true", "1", "0", 1},
		{"stable without room for a surge pod", DeploymentParams{Track: iapiv1alpha1.TrackStable, Revision: stableRev, Replicas: 4, NoSurge: true},
			"interview-stable", "false", "0", "1", 4},
		{"canary scaled to zero", DeploymentParams{Track: iapiv1alpha1.TrackCanary, Revision: canaryRev, Replicas: 0},
			"interview-canary", "true", "1", "0", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ac, err := Deployment(in, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			d := decode[appsv1.Deployment](t, ac)
			if d.Name != tc.wantName || d.Namespace != "prod" {
				t.Errorf("name %s/%s, want prod/%s", d.Namespace, d.Name, tc.wantName)
			}
			if d.APIVersion != "apps/v1" || d.Kind != "Deployment" {
				t.Errorf("type %s %s", d.APIVersion, d.Kind)
			}
			if got := ptr.Deref(d.Spec.Replicas, -1); got != tc.wantReplicas {
				t.Errorf("replicas %d, want %d", got, tc.wantReplicas)
			}
			wantSelector := map[string]string{
				"app.kubernetes.io/name": "interviewapi-server", "app.kubernetes.io/instance": "interview",
				"apps.interviewapi.io/track": tc.params.Track,
			}
			if !equality.Semantic.DeepEqual(d.Spec.Selector.MatchLabels, wantSelector) {
				t.Errorf("selector %v, want %v (the selector is immutable: no revision in it)", d.Spec.Selector.MatchLabels, wantSelector)
			}
			labels := d.Spec.Template.Labels
			for k, v := range wantSelector {
				if labels[k] != v {
					t.Errorf("pod label %s = %q, want %q", k, labels[k], v)
				}
			}
			if labels["apps.interviewapi.io/revision"] != tc.params.Revision.Revision {
				t.Errorf("pod revision label %q, want %q", labels["apps.interviewapi.io/revision"], tc.params.Revision.Revision)
			}
			if d.Labels["apps.interviewapi.io/track"] != tc.params.Track || d.Labels["app.kubernetes.io/managed-by"] != "interviewapi-operator" {
				t.Errorf("deployment labels %v", d.Labels)
			}
			ru := d.Spec.Strategy.RollingUpdate
			if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || ru == nil ||
				ru.MaxSurge.String() != tc.wantSurge || ru.MaxUnavailable.String() != tc.wantUnavail {
				t.Errorf("strategy %+v, want rolling update with maxSurge %s, maxUnavailable %s", d.Spec.Strategy, tc.wantSurge, tc.wantUnavail)
			}
			env := d.Spec.Template.Spec.Containers[0].Env
			if !equality.Semantic.DeepEqual(env, ServerEnv(in, tc.params.Revision)) {
				t.Errorf("env is not the revision's: %+v", env)
			}
			if got := envValue(env, EnvAsyncEnabled); got != tc.wantAsync {
				t.Errorf("%s = %q, want %q", EnvAsyncEnabled, got, tc.wantAsync)
			}
			if got := d.Spec.Template.Annotations[iapiv1alpha1.AnnotationConfigHash]; got != ConfigHash(env) {
				t.Errorf("config hash annotation %q, want %q", got, ConfigHash(env))
			}
			assertOwnedBy(t, d.OwnerReferences, in)
		})
	}
}

func TestDeploymentRejectsBadParams(t *testing.T) {
	in := instance()
	rev := in.Spec.DesiredRevision()
	for name, p := range map[string]DeploymentParams{
		"unknown track":     {Track: "blue", Revision: rev, Replicas: 1},
		"no track":          {Revision: rev, Replicas: 1},
		"negative replicas": {Track: iapiv1alpha1.TrackStable, Revision: rev, Replicas: -1},
	} {
		if _, err := Deployment(in, p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDeploymentServerContainer(t *testing.T) {
	in := instance()
	ac, err := Deployment(in, DeploymentParams{Track: iapiv1alpha1.TrackStable, Revision: in.Spec.DesiredRevision(), Replicas: 4})
	if err != nil {
		t.Fatal(err)
	}
	pod := decode[appsv1.Deployment](t, ac).Spec.Template
	if n := len(pod.Spec.Containers); n != 1 {
		t.Fatalf("%d containers, want 1", n)
	}
	c := pod.Spec.Containers[0]
	checks := []struct {
		what      string
		got, want any
	}{
		{"container name", c.Name, "server"},
		{"image", c.Image, "registry.example/interviewapi-server:v0.1.0"},
		{"image pull policy (unset: the cluster's default)", c.ImagePullPolicy, corev1.PullPolicy("")},
		{"ports", c.Ports, []corev1.ContainerPort{{Name: "http", ContainerPort: 8000, Protocol: corev1.ProtocolTCP}}},
		{"liveness path", c.LivenessProbe.HTTPGet.Path, "/livez"},
		{"liveness port", c.LivenessProbe.HTTPGet.Port.String(), "http"},
		{"readiness path", c.ReadinessProbe.HTTPGet.Path, "/readyz"},
		{"readiness port", c.ReadinessProbe.HTTPGet.Port.String(), "http"},
		{"prometheus scrape", pod.Annotations["prometheus.io/scrape"], "true"},
		{"prometheus port", pod.Annotations["prometheus.io/port"], "8000"},
		{"prometheus path", pod.Annotations["prometheus.io/path"], "/metrics"},
		{"service account token", ptr.Deref(pod.Spec.AutomountServiceAccountToken, true), false},
		{"service links", ptr.Deref(pod.Spec.EnableServiceLinks, true), false},
		{"runAsNonRoot", ptr.Deref(pod.Spec.SecurityContext.RunAsNonRoot, false), true},
		{"runAsUser", ptr.Deref(pod.Spec.SecurityContext.RunAsUser, 0), int64(65532)},
		{"seccomp", pod.Spec.SecurityContext.SeccompProfile.Type, corev1.SeccompProfileTypeRuntimeDefault},
		{"allowPrivilegeEscalation", ptr.Deref(c.SecurityContext.AllowPrivilegeEscalation, true), false},
		{"readOnlyRootFilesystem", ptr.Deref(c.SecurityContext.ReadOnlyRootFilesystem, false), true},
		{"dropped capabilities", c.SecurityContext.Capabilities.Drop, []corev1.Capability{"ALL"}},
		{"writable /tmp", c.VolumeMounts, []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}}},
		{"resources (unset)", c.Resources, corev1.ResourceRequirements{}},
		{"preStop: serve on while the Service drops the pod", c.Lifecycle,
			&corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 2}}}},
		// Unset: the API's 30 s, which the server's whole stop fits
		// (internal/app TestShutdownFitsTerminationGracePeriod).
		{"terminationGracePeriodSeconds", pod.Spec.TerminationGracePeriodSeconds, (*int64)(nil)},
	}
	for _, ch := range checks {
		if !equality.Semantic.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %#v, want %#v", ch.what, ch.got, ch.want)
		}
	}
	if url := envVar(c.Env, EnvDatabaseURL); url == nil || url.Value != "" || url.ValueFrom == nil || url.ValueFrom.SecretKeyRef == nil ||
		url.ValueFrom.SecretKeyRef.Name != "interview-db" || url.ValueFrom.SecretKeyRef.Key != "url" {
		t.Errorf("DATABASE_URL must come from secretKeyRef interview-db/url, got %+v", url)
	}
}

func TestDeploymentPlacement(t *testing.T) {
	in := instance()
	in.Spec.ImagePullPolicy = corev1.PullAlways
	in.Spec.Resources = corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
	}
	in.Spec.NodeSelector = map[string]string{"pool": "api"}
	in.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "api", Effect: corev1.TaintEffectNoSchedule}}
	in.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 100, PodAffinityTerm: corev1.PodAffinityTerm{
			TopologyKey: "kubernetes.io/hostname", LabelSelector: &metav1.LabelSelector{MatchLabels: in.SelectorLabels()}}}}}}
	in.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "registry"}}
	in.Spec.PodLabels = map[string]string{"team": "hiring", "apps.interviewapi.io/track": "hijacked"}
	in.Spec.PodAnnotations = map[string]string{"example.com/owner": "hiring", "prometheus.io/port": "9999"}

	ac, err := Deployment(in, DeploymentParams{Track: iapiv1alpha1.TrackStable, Revision: in.Spec.DesiredRevision(), Replicas: 4})
	if err != nil {
		t.Fatal(err)
	}
	pod := decode[appsv1.Deployment](t, ac).Spec.Template
	c := pod.Spec.Containers[0]
	checks := []struct {
		what      string
		got, want any
	}{
		{"image pull policy", c.ImagePullPolicy, corev1.PullAlways},
		{"resources", c.Resources, in.Spec.Resources},
		{"node selector", pod.Spec.NodeSelector, in.Spec.NodeSelector},
		{"tolerations", pod.Spec.Tolerations, in.Spec.Tolerations},
		{"affinity", pod.Spec.Affinity, in.Spec.Affinity},
		{"image pull secrets", pod.Spec.ImagePullSecrets, in.Spec.ImagePullSecrets},
		{"user pod label", pod.Labels["team"], "hiring"},
		{"operator label wins over the user's", pod.Labels["apps.interviewapi.io/track"], "stable"},
		{"user pod annotation", pod.Annotations["example.com/owner"], "hiring"},
		{"operator annotation wins over the user's", pod.Annotations["prometheus.io/port"], "8000"},
	}
	for _, ch := range checks {
		if !equality.Semantic.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %#v, want %#v", ch.what, ch.got, ch.want)
		}
	}
}

func TestService(t *testing.T) {
	in := instance()
	s := decode[corev1.Service](t, Service(in))
	if s.Name != "interview" || s.Namespace != "prod" {
		t.Errorf("service %s/%s, want prod/interview", s.Namespace, s.Name)
	}
	if !equality.Semantic.DeepEqual(s.Spec.Selector, in.SelectorLabels()) {
		t.Errorf("selector %v must select both tracks: %v", s.Spec.Selector, in.SelectorLabels())
	}
	if len(s.Spec.Ports) != 1 {
		t.Fatalf("ports %+v", s.Spec.Ports)
	}
	p := s.Spec.Ports[0]
	if p.Name != "http" || p.Port != 8000 || p.TargetPort.String() != "http" || p.Protocol != corev1.ProtocolTCP {
		t.Errorf("port %+v, want http 8000 → http/TCP", p)
	}
	if s.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Errorf("type %s", s.Spec.Type)
	}
	assertOwnedBy(t, s.OwnerReferences, in)
}

func TestPodDisruptionBudget(t *testing.T) {
	in := instance()
	p := decode[policyv1.PodDisruptionBudget](t, PodDisruptionBudget(in))
	if p.APIVersion != "policy/v1" || p.Kind != "PodDisruptionBudget" || p.Name != "interview" {
		t.Errorf("%s %s %s", p.APIVersion, p.Kind, p.Name)
	}
	if p.Spec.MaxUnavailable == nil || *p.Spec.MaxUnavailable != intstr.FromInt32(1) || p.Spec.MinAvailable != nil {
		t.Errorf("want maxUnavailable 1 and no minAvailable, got %v %v", p.Spec.MaxUnavailable, p.Spec.MinAvailable)
	}
	if !equality.Semantic.DeepEqual(p.Spec.Selector.MatchLabels, in.SelectorLabels()) {
		t.Errorf("selector %v", p.Spec.Selector)
	}
	if ptr.Deref(p.Spec.UnhealthyPodEvictionPolicy, "") != policyv1.AlwaysAllow {
		t.Errorf("unhealthyPodEvictionPolicy %v", p.Spec.UnhealthyPodEvictionPolicy)
	}
	assertOwnedBy(t, p.OwnerReferences, in)
}

func assertOwnedBy(t *testing.T, refs []metav1.OwnerReference, in *iapiv1alpha1.InterviewAPI) {
	t.Helper()
	want := []metav1.OwnerReference{{APIVersion: "apps.interviewapi.io/v1alpha1", Kind: "InterviewAPI", Name: in.Name,
		UID: in.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}}
	if !equality.Semantic.DeepEqual(refs, want) {
		t.Errorf("owner references %+v, want %+v", refs, want)
	}
}

func envVar(env []corev1.EnvVar, name string) *corev1.EnvVar {
	for i := range env {
		if env[i].Name == name {
			return &env[i]
		}
	}
	return nil
}

func envValue(env []corev1.EnvVar, name string) string {
	if e := envVar(env, name); e != nil {
		return e.Value
	}
	return ""
}
