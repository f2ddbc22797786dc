package localcluster

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// configError is a container whose configuration cannot be resolved (a missing Secret
// or key, an unsupported field); the pod reports it as CreateContainerConfigError and
// the agent tries again later, as the kubelet does.
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

func configErrorf(format string, args ...any) error {
	return &configError{fmt.Sprintf(format, args...)}
}

// envSource reads the objects a container's environment refers to.
type envSource struct {
	client kubernetes.Interface
	// allocatable stands in for a resource limit a container does not set, as on a
	// real node.
	allocatable corev1.ResourceList
}

// orderedEnv is an environment in definition order; a later definition of a name
// replaces the earlier value in place.
type orderedEnv struct {
	names  []string
	values map[string]string
}

func newOrderedEnv() *orderedEnv { return &orderedEnv{values: map[string]string{}} }

func (e *orderedEnv) set(name, value string) {
	if _, ok := e.values[name]; !ok {
		e.names = append(e.names, name)
	}
	e.values[name] = value
}

func (e *orderedEnv) get(name string) (string, bool) {
	v, ok := e.values[name]
	return v, ok
}

// list returns NAME=VALUE pairs in definition order.
func (e *orderedEnv) list() []string {
	out := make([]string, 0, len(e.names))
	for _, n := range e.names {
		out = append(out, n+"="+e.values[n])
	}
	return out
}

// resolve computes a container's environment like the kubelet: envFrom sources in
// order, then env entries, each value able to refer to earlier ones as $(NAME).
func (s envSource) resolve(ctx context.Context, pod *corev1.Pod, c *corev1.Container, podIP, hostIP string) (*orderedEnv, error) {
	env := newOrderedEnv()
	for _, from := range c.EnvFrom {
		data, err := s.envFromData(ctx, pod.Namespace, from)
		if err != nil {
			return nil, err
		}
		for _, k := range slices.Sorted(maps.Keys(data)) {
			env.set(from.Prefix+k, data[k])
		}
	}
	for _, v := range c.Env {
		if v.ValueFrom == nil {
			env.set(v.Name, expandVars(v.Value, env.get))
			continue
		}
		value, ok, err := s.valueFrom(ctx, pod, c, v, podIP, hostIP)
		if err != nil {
			return nil, err
		}
		if ok {
			env.set(v.Name, value)
		}
	}
	return env, nil
}

func (s envSource) envFromData(ctx context.Context, ns string, from corev1.EnvFromSource) (map[string]string, error) {
	switch {
	case from.ConfigMapRef != nil:
		cm, err := s.client.CoreV1().ConfigMaps(ns).Get(ctx, from.ConfigMapRef.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) && isOptional(from.ConfigMapRef.Optional) {
			return nil, nil
		}
		if err != nil {
			return nil, lookupError("configmap", ns, from.ConfigMapRef.Name, err)
		}
		return cm.Data, nil
	case from.SecretRef != nil:
		sec, err := s.client.CoreV1().Secrets(ns).Get(ctx, from.SecretRef.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) && isOptional(from.SecretRef.Optional) {
			return nil, nil
		}
		if err != nil {
			return nil, lookupError("secret", ns, from.SecretRef.Name, err)
		}
		return stringData(sec.Data), nil
	}
	return nil, nil
}

// valueFrom resolves one env entry with a source; ok is false when an optional source
// is missing and the variable is left unset.
func (s envSource) valueFrom(ctx context.Context, pod *corev1.Pod, c *corev1.Container, v corev1.EnvVar, podIP, hostIP string) (value string, ok bool, err error) {
	from := v.ValueFrom
	switch {
	case from.FieldRef != nil:
		value, err := podField(pod, from.FieldRef.FieldPath, podIP, hostIP)
		return value, err == nil, err
	case from.ResourceFieldRef != nil:
		value, err := s.resourceField(c, from.ResourceFieldRef)
		return value, err == nil, err
	case from.SecretKeyRef != nil:
		ref := from.SecretKeyRef
		sec, err := s.client.CoreV1().Secrets(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) && isOptional(ref.Optional) {
				return "", false, nil
			}
			return "", false, lookupError("secret", pod.Namespace, ref.Name, err)
		}
		data, found := sec.Data[ref.Key]
		if !found {
			if isOptional(ref.Optional) {
				return "", false, nil
			}
			return "", false, configErrorf("couldn't find key %s in Secret %s/%s (env %s)", ref.Key, pod.Namespace, ref.Name, v.Name)
		}
		return string(data), true, nil
	case from.ConfigMapKeyRef != nil:
		ref := from.ConfigMapKeyRef
		cm, err := s.client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) && isOptional(ref.Optional) {
				return "", false, nil
			}
			return "", false, lookupError("configmap", pod.Namespace, ref.Name, err)
		}
		data, found := cm.Data[ref.Key]
		if !found {
			if isOptional(ref.Optional) {
				return "", false, nil
			}
			return "", false, configErrorf("couldn't find key %s in ConfigMap %s/%s (env %s)", ref.Key, pod.Namespace, ref.Name, v.Name)
		}
		return data, true, nil
	}
	return "", false, configErrorf("env %s: unsupported valueFrom", v.Name)
}

// podField answers the fieldRef paths the downward API allows for env.
func podField(pod *corev1.Pod, path, podIP, hostIP string) (string, error) {
	if key, ok := subscript(path, "metadata.labels"); ok {
		return pod.Labels[key], nil
	}
	if key, ok := subscript(path, "metadata.annotations"); ok {
		return pod.Annotations[key], nil
	}
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP", "status.podIPs":
		return podIP, nil
	case "status.hostIP", "status.hostIPs":
		return hostIP, nil
	}
	return "", configErrorf("unsupported fieldRef %q", path)
}

// subscript parses `prefix['key']`.
func subscript(path, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(path, prefix+"['")
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, "']")
}

// resourceField answers resourceFieldRef like the kubelet: the value divided by the
// divisor, rounded up; a limit the container does not set is the node's allocatable.
func (s envSource) resourceField(c *corev1.Container, ref *corev1.ResourceFieldSelector) (string, error) {
	kind, name, ok := strings.Cut(ref.Resource, ".")
	if !ok {
		return "", configErrorf("unsupported resourceFieldRef %q", ref.Resource)
	}
	var q resource.Quantity
	switch kind {
	case "limits":
		v, set := c.Resources.Limits[corev1.ResourceName(name)]
		if !set {
			v = s.allocatable[corev1.ResourceName(name)]
		}
		q = v
	case "requests":
		q = c.Resources.Requests[corev1.ResourceName(name)]
	default:
		return "", configErrorf("unsupported resourceFieldRef %q", ref.Resource)
	}
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	v := math.Ceil(q.AsApproximateFloat64() / divisor.AsApproximateFloat64())
	return fmt.Sprintf("%d", int64(v)), nil
}

// expandVars replaces $(NAME) by NAME's value when lookup knows it, as Kubernetes
// does in env values, command and args: $$ stands for a literal $, and an unknown or
// unterminated reference is kept as written.
func expandVars(s string, lookup func(string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch next := s[i+1]; next {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := lookup(name); ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

func isOptional(p *bool) bool { return p != nil && *p }

func stringData(data map[string][]byte) map[string]string {
	out := make(map[string]string, len(data))
	for k, v := range data {
		out[k] = string(v)
	}
	return out
}

func lookupError(kind, ns, name string, err error) error {
	if apierrors.IsNotFound(err) {
		return configErrorf("%s %q not found in namespace %s", kind, name, ns)
	}
	return fmt.Errorf("get %s %s/%s: %w", kind, ns, name, err)
}
