package resources

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// Names of the server's environment variables (README.md, "Configuration (environment)").
const (
	EnvDatabaseURL       = "DATABASE_URL"
	EnvAsyncEnabled      = "ASYNC_DATABASE_ENABLED"
	EnvPoolSize          = "ASYNC_DATABASE_POOL_SIZE"
	EnvMaxOverflow       = "ASYNC_DATABASE_MAX_OVERFLOW"
	EnvPoolTimeout       = "ASYNC_DATABASE_POOL_TIMEOUT"
	EnvPoolRecycle       = "ASYNC_DATABASE_POOL_RECYCLE"
	EnvMonitoringEnabled = "ASYNC_DATABASE_MONITORING_ENABLED"
	EnvListenAddr        = "LISTEN_ADDR"
	listenAddr           = ":8000"
	configHashLength     = 16
)

// ServerEnv is the environment of the server container for one revision: exactly the
// revision's mode and pool, the instance's monitoring switch, the listen address, and
// the database URL read by the kubelet from the Secret (the operator never sees it).
func ServerEnv(in *iapiv1alpha1.InterviewAPI, rev iapiv1alpha1.RevisionStatus) []corev1.EnvVar {
	pool := rev.Pool
	ref := in.Spec.Database.URLSecretRef
	return []corev1.EnvVar{
		{Name: EnvDatabaseURL, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name},
			Key:                  ref.Key,
		}}},
		{Name: EnvAsyncEnabled, Value: strconv.FormatBool(rev.Async)},
		{Name: EnvPoolSize, Value: strconv.Itoa(int(pool.SizeOrDefault()))},
		{Name: EnvMaxOverflow, Value: strconv.Itoa(int(pool.MaxOverflowOrDefault()))},
		{Name: EnvPoolTimeout, Value: Seconds(pool.TimeoutOrDefault())},
		{Name: EnvPoolRecycle, Value: Seconds(pool.RecycleOrDefault())},
		{Name: EnvMonitoringEnabled, Value: strconv.FormatBool(in.Spec.MonitoringEnabled())},
		{Name: EnvListenAddr, Value: listenAddr},
	}
}

// Seconds writes d in seconds as the server reads them: a decimal without trailing
// zeros ("30", "0.5", "3600", "0.001").
func Seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// ConfigHash identifies the server's whole configuration (its environment, including
// which Secret key holds the URL). It is written on the pod template so that pods,
// `kubectl describe` and dashboards show which settings a pod started with, and so that
// any settings change is a pod template change.
func ConfigHash(env []corev1.EnvVar) string {
	h := sha256.New()
	for _, e := range env {
		// NUL never occurs in names or values, so the encoding is unambiguous.
		fmt.Fprintf(h, "%s\x00%s\x00", e.Name, e.Value)
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			fmt.Fprintf(h, "secret\x00%s\x00%s\x00", e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:configHashLength]
}
