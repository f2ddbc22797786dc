package resources

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// The server container's fixed interface (docs/architecture.md, "Fixed names").
const (
	ContainerName = "server"
	PortName      = "http"
	Port          = 8000
	MetricsPath   = "/metrics"
	LivenessPath  = "/livez"
	ReadinessPath = "/readyz"
	// RunAsUser is the "nonroot" user of distroless images.
	RunAsUser int64 = 65532
	// tmpVolume gives the server a writable /tmp under a read-only root filesystem.
	tmpVolume = "tmp"
)

// Prometheus discovery annotations on the server pods.
const (
	AnnotationScrape = "prometheus.io/scrape"
	AnnotationPort   = "prometheus.io/port"
	AnnotationPath   = "prometheus.io/path"
)

// DeploymentParams says which track a Deployment runs, with which revision and how many
// pods. The rollout decides them; the builder only renders them.
type DeploymentParams struct {
	// Track is iapiv1alpha1.TrackStable or iapiv1alpha1.TrackCanary.
	Track string
	// Revision is the database mode and pool the pods run.
	Revision iapiv1alpha1.RevisionStatus
	// Replicas of this track.
	Replicas int32
	// NoSurge replaces pods one at a time without starting an extra pod first; set it
	// when one pod more would break spec.database.maxServerConnections.
	NoSurge bool
}

// DeploymentName is the name of an instance's Deployment of a track.
func DeploymentName(in *iapiv1alpha1.InterviewAPI, track string) string {
	if track == iapiv1alpha1.TrackCanary {
		return in.CanaryName()
	}
	return in.StableName()
}

// Deployment is the Deployment running the server pods of one track of an instance.
func Deployment(in *iapiv1alpha1.InterviewAPI, p DeploymentParams) (*appsv1ac.DeploymentApplyConfiguration, error) {
	if p.Track != iapiv1alpha1.TrackStable && p.Track != iapiv1alpha1.TrackCanary {
		return nil, fmt.Errorf("unknown track %q", p.Track)
	}
	if p.Replicas < 0 {
		return nil, fmt.Errorf("negative replicas %d for the %s track", p.Replicas, p.Track)
	}
	template, err := podTemplate(in, p)
	if err != nil {
		return nil, err
	}
	labels := objectLabels(in)
	labels[iapiv1alpha1.LabelTrack] = p.Track
	return appsv1ac.Deployment(DeploymentName(in, p.Track), in.Namespace).
		WithLabels(labels).
		WithOwnerReferences(ownerReference(in)).
		WithSpec(appsv1ac.DeploymentSpec().
			WithReplicas(p.Replicas).
			WithSelector(labelSelector(TrackSelector(in, p.Track))).
			WithStrategy(rollingUpdate(p.NoSurge)).
			WithTemplate(template)), nil
}

// rollingUpdate never runs more than one pod above the declared replicas while pods are
// replaced: maxSurge 1 with maxUnavailable 0 starts one new pod, waits for it to be
// ready, then stops one old pod. The rollout's connection budget relies on this bound:
// during a replacement a track holds at most replicas+1 pods' connections. Without
// room for that extra pod (noSurge), one old pod is stopped before its replacement
// starts instead, so the track never exceeds its replicas at all.
func rollingUpdate(noSurge bool) *appsv1ac.DeploymentStrategyApplyConfiguration {
	surge, unavailable := intstr.FromInt32(1), intstr.FromInt32(0)
	if noSurge {
		surge, unavailable = intstr.FromInt32(0), intstr.FromInt32(1)
	}
	return appsv1ac.DeploymentStrategy().
		WithType(appsv1.RollingUpdateDeploymentStrategyType).
		WithRollingUpdate(appsv1ac.RollingUpdateDeployment().
			WithMaxSurge(surge).
			WithMaxUnavailable(unavailable))
}

// The readiness probe: every second, so that a new pod joins its Service about a second
// after it can serve rather than up to a period later. A canary step, a fast rollback
// and the last step's new stable pods each wait for their pods' readiness, and a new pod
// fails its first probes while its pool warms up (/readyz waits for the warm-up), so
// the period adds to every pod change of a rollout (docs/benchmarks.md, "On the real
// node"). Each probe is one trivial statement on the probe's own connection
// (internal/store/probe.go). Ten failures in a row (10 s) take a pod out of its
// Service, about as long as the 3 × 5 s of a 5 s period, so that a database blip does
// not empty the Service sooner.
const (
	readinessPeriod   = 1
	readinessFailures = 10
)

// ShutdownDelay is how long a server pod keeps serving after its deletion, in its
// preStop hook (a sleep: the image has no shell), before the kubelet sends SIGTERM.
const ShutdownDelay = 2 * time.Second

// podTemplate is the server pod of a track: the spec's placement, the revision's
// environment, probes and the restricted Pod Security profile.
func podTemplate(in *iapiv1alpha1.InterviewAPI, p DeploymentParams) (*corev1ac.PodTemplateSpecApplyConfiguration, error) {
	env := ServerEnv(in, p.Revision)
	annotations := make(map[string]string, len(in.Spec.PodAnnotations)+4)
	for k, v := range in.Spec.PodAnnotations {
		annotations[k] = v
	}
	annotations[AnnotationScrape] = "true"
	annotations[AnnotationPort] = fmt.Sprint(Port)
	annotations[AnnotationPath] = MetricsPath
	annotations[iapiv1alpha1.AnnotationConfigHash] = ConfigHash(env)

	container, err := serverContainer(in, env)
	if err != nil {
		return nil, err
	}
	spec := corev1ac.PodSpec().
		WithContainers(container).
		// The server never calls the Kubernetes API: no token in its pods.
		WithAutomountServiceAccountToken(false).
		// Service links would add variables to the server's environment that the
		// spec never declared.
		WithEnableServiceLinks(false).
		WithSecurityContext(corev1ac.PodSecurityContext().
			WithRunAsNonRoot(true).
			WithRunAsUser(RunAsUser).
			WithRunAsGroup(RunAsUser).
			WithSeccompProfile(corev1ac.SeccompProfile().WithType(corev1.SeccompProfileTypeRuntimeDefault))).
		WithVolumes(corev1ac.Volume().WithName(tmpVolume).WithEmptyDir(corev1ac.EmptyDirVolumeSource()))
	if err := withPlacement(spec, in); err != nil {
		return nil, err
	}
	return corev1ac.PodTemplateSpec().
		WithLabels(podLabels(in, p.Track, p.Revision.Revision)).
		WithAnnotations(annotations).
		WithSpec(spec), nil
}

func serverContainer(in *iapiv1alpha1.InterviewAPI, env []corev1.EnvVar) (*corev1ac.ContainerApplyConfiguration, error) {
	envAC, err := applyConfigOf[[]*corev1ac.EnvVarApplyConfiguration]("env", env)
	if err != nil {
		return nil, err
	}
	c := corev1ac.Container().
		WithName(ContainerName).
		WithImage(in.Spec.Image).
		WithPorts(corev1ac.ContainerPort().WithName(PortName).WithContainerPort(Port).WithProtocol(corev1.ProtocolTCP)).
		WithEnv(*envAC...).
		WithLivenessProbe(httpProbe(LivenessPath, 10, 3)).
		WithReadinessProbe(httpProbe(ReadinessPath, readinessPeriod, readinessFailures)).
		// A pod being deleted leaves its Service only once the endpoint controller and
		// then kube-proxy on every node have seen it; until then new connections still
		// arrive. Serving on through ShutdownDelay before SIGTERM starts the server's
		// drain and shutdown (internal/app Serve) keeps those from being refused
		// (docs/benchmarks.md, "End to end").
		WithLifecycle(corev1ac.Lifecycle().WithPreStop(corev1ac.LifecycleHandler().
			WithSleep(corev1ac.SleepAction().WithSeconds(int64(ShutdownDelay / time.Second))))).
		WithSecurityContext(corev1ac.SecurityContext().
			WithAllowPrivilegeEscalation(false).
			WithReadOnlyRootFilesystem(true).
			WithRunAsNonRoot(true).
			WithCapabilities(corev1ac.Capabilities().WithDrop(corev1.Capability("ALL")))).
		WithVolumeMounts(corev1ac.VolumeMount().WithName(tmpVolume).WithMountPath("/tmp"))
	if in.Spec.ImagePullPolicy != "" {
		c.WithImagePullPolicy(in.Spec.ImagePullPolicy)
	}
	if len(in.Spec.Resources.Limits) > 0 || len(in.Spec.Resources.Requests) > 0 || len(in.Spec.Resources.Claims) > 0 {
		res, err := applyConfigOf[corev1ac.ResourceRequirementsApplyConfiguration]("spec.resources", in.Spec.Resources)
		if err != nil {
			return nil, err
		}
		c.WithResources(res)
	}
	return c, nil
}

// httpProbe probes a path on the http port. The server answers /livez while its
// process works and /readyz while it can serve: migrated, its pool warm, the database
// answering (docs/architecture.md, "Readiness"). A failed readiness probe only keeps the
// pod out of its Service, so the warm-up needs no start-up allowance here.
func httpProbe(path string, periodSeconds, failureThreshold int32) *corev1ac.ProbeApplyConfiguration {
	return corev1ac.Probe().
		WithHTTPGet(corev1ac.HTTPGetAction().WithPath(path).WithPort(intstr.FromString(PortName))).
		WithPeriodSeconds(periodSeconds).
		WithTimeoutSeconds(2).
		WithFailureThreshold(failureThreshold)
}

// withPlacement copies the spec's scheduling fields onto the pod.
func withPlacement(spec *corev1ac.PodSpecApplyConfiguration, in *iapiv1alpha1.InterviewAPI) error {
	s := in.Spec
	if len(s.NodeSelector) > 0 {
		spec.WithNodeSelector(s.NodeSelector)
	}
	if len(s.Tolerations) > 0 {
		tolerations, err := applyConfigOf[[]*corev1ac.TolerationApplyConfiguration]("spec.tolerations", s.Tolerations)
		if err != nil {
			return err
		}
		spec.WithTolerations(*tolerations...)
	}
	if s.Affinity != nil {
		affinity, err := applyConfigOf[corev1ac.AffinityApplyConfiguration]("spec.affinity", s.Affinity)
		if err != nil {
			return err
		}
		spec.WithAffinity(affinity)
	}
	for _, secret := range s.ImagePullSecrets {
		spec.WithImagePullSecrets(corev1ac.LocalObjectReference().WithName(secret.Name))
	}
	return nil
}
