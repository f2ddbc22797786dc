package framework

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// ServerImage is the image of the server pods: the process node runs
// bin/interviewapi-server for it (images map to binaries by their last path element),
// the real node the image `make images` built, tagged ServerImageTag at import.
const (
	ServerImageTag = "e2e"
	ServerImage    = "ghcr.io/interviewapi/interviewapi-server:" + ServerImageTag
)

// ChartAppVersion is the operator chart's appVersion, the tag of the images its
// default values, config/default and config/samples name.
func ChartAppVersion(root string) string {
	b, err := os.ReadFile(filepath.Join(root, "charts", "interviewapi-operator", "Chart.yaml"))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "appVersion:"); ok {
			return strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	return ""
}

// ServerPort is the port of the instance's Service.
const ServerPort = 8000

// NewClient is a client of the API server that knows the built-in kinds and
// InterviewAPIs. It reads from the API server directly (no cache), so that every wait
// sees the latest state.
func NewClient(cfg *rest.Config) (client.Client, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := iapiv1alpha1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return c, nil
}

// InstanceOptions describe an InterviewAPI for a test or the demo.
type InstanceOptions struct {
	Namespace, Name string
	// Replicas of server pods; zero means 4.
	Replicas int32
	// Async starts the instance on the async engine.
	Async bool
	// Pool of each pod; the zero value means SmallPool.
	Pool iapiv1alpha1.PoolSpec
	// Rollout; the zero value means QuickRollout.
	Rollout iapiv1alpha1.RolloutSpec
	// MaxServerConnections is spec.database.maxServerConnections; nil is no budget.
	MaxServerConnections *int32
}

// SmallPool keeps the connections of many pods on one PostgreSQL modest: 5 kept open
// and 5 more under load, with the default timeout and recycle.
func SmallPool() iapiv1alpha1.PoolSpec {
	return iapiv1alpha1.PoolSpec{Size: 5, MaxOverflow: ptr.To[int32](5)}
}

// StarvingPool is a pool change that cannot carry a steady load: one connection, no
// overflow, and a wait for it cut short at 50ms.
func StarvingPool() iapiv1alpha1.PoolSpec {
	return iapiv1alpha1.PoolSpec{Size: 1, MaxOverflow: ptr.To[int32](0), Timeout: &metav1.Duration{Duration: 50 * time.Millisecond}}
}

// QuickRollout is the sample's rollout with pauses and intervals short enough for a
// test or a demo: 25 % for 10s, 50 % for 10s, then 100 %, analysed every 5s (the
// shortest interval the API accepts). One failed analysis fails the rollout; it needs
// 10 acquires by the canary per interval to count. It leaves the judge to the API's
// default, Compare (canary against stable, sampled every second); a scenario that
// asserts the Threshold judge's verdicts sets Analysis.Judge itself (the outage
// scenario runs once with each).
func QuickRollout() iapiv1alpha1.RolloutSpec {
	return iapiv1alpha1.RolloutSpec{
		Steps: []iapiv1alpha1.RolloutStep{
			{Weight: 25, Pause: &metav1.Duration{Duration: 10 * time.Second}},
			{Weight: 50, Pause: &metav1.Duration{Duration: 10 * time.Second}},
			{Weight: 100},
		},
		Analysis: iapiv1alpha1.AnalysisSpec{
			Interval:          &metav1.Duration{Duration: 5 * time.Second},
			FailureLimit:      1,
			InconclusiveLimit: 4,
			MinAcquires:       ptr.To[int32](10),
		},
		ProgressDeadline: &metav1.Duration{Duration: 2 * time.Minute},
		OnFailure:        iapiv1alpha1.FailureRollback,
	}
}

// NewInstance renders an InterviewAPI reading its database URL from the Secret
// interview-db of its namespace.
func NewInstance(o InstanceOptions) *iapiv1alpha1.InterviewAPI {
	if o.Replicas == 0 {
		o.Replicas = 4
	}
	if o.Pool == (iapiv1alpha1.PoolSpec{}) {
		o.Pool = SmallPool()
	}
	if len(o.Rollout.Steps) == 0 {
		o.Rollout = QuickRollout()
	}
	return &iapiv1alpha1.InterviewAPI{
		ObjectMeta: metav1.ObjectMeta{Namespace: o.Namespace, Name: o.Name},
		Spec: iapiv1alpha1.InterviewAPISpec{
			Image:    ServerImage,
			Replicas: ptr.To(o.Replicas),
			Database: iapiv1alpha1.DatabaseSpec{
				URLSecretRef: iapiv1alpha1.SecretKeyRef{Name: DatabaseSecret, Key: DatabaseSecretKey},
				Pool:         o.Pool,
				Async:        iapiv1alpha1.AsyncSpec{Enabled: o.Async},
				// The budget the operator holds every rollout to.
				MaxServerConnections: o.MaxServerConnections,
			},
			Rollout: o.Rollout,
			// What a server pod of these tests needs, so that on a real node the pods
			// are Burstable rather than BestEffort, whose CPU weight is the lowest.
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("50m"),
				corev1.ResourceMemory: resource.MustParse("32Mi"),
			}},
		},
	}
}

// Key is an object's namespace and name.
func Key(obj client.Object) types.NamespacedName {
	return types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}
}

// PatchSpec applies a JSON merge patch to an instance, as `kubectl patch --type merge`
// does.
func PatchSpec(ctx context.Context, c client.Client, key types.NamespacedName, patch string) error {
	in := &iapiv1alpha1.InterviewAPI{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
	if err := c.Patch(ctx, in, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
		return fmt.Errorf("patch %s with %s: %w", key, patch, err)
	}
	return nil
}

// CreateNamespace creates a namespace (an existing one is fine).
func CreateNamespace(ctx context.Context, c client.Client, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := c.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return nil
}
