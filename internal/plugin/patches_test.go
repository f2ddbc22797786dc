package plugin

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

func TestPatches(t *testing.T) {
	tests := []struct {
		name  string
		patch func() ([]byte, error)
		want  string
	}{
		{
			name:  "promote annotation",
			patch: func() ([]byte, error) { return annotationPatch(iapiv1alpha1.AnnotationPromote, promoteFull) },
			want:  `{"metadata":{"annotations":{"apps.interviewapi.io/promote":"full"}}}`,
		},
		{
			name:  "pause",
			patch: func() ([]byte, error) { return pausedPatch(true) },
			want:  `{"spec":{"paused":true}}`,
		},
		{
			name:  "resume writes false rather than dropping the field",
			patch: func() ([]byte, error) { return pausedPatch(false) },
			want:  `{"spec":{"paused":false}}`,
		},
		{
			name:  "database with defaults filled in, so the hash matches the history entry",
			patch: func() ([]byte, error) { return databasePatch(false, iapiv1alpha1.PoolSpec{Size: 10}) },
			want:  `{"spec":{"database":{"async":{"enabled":false},"pool":{"size":10,"maxOverflow":30,"timeout":"30s","recycle":"1h0m0s"}}}}`,
		},
		{
			name: "database with every pool field set",
			patch: func() ([]byte, error) {
				return databasePatch(true, iapiv1alpha1.PoolSpec{
					Size: 5, MaxOverflow: ptr.To[int32](0),
					Timeout: &metav1.Duration{Duration: 500 * time.Millisecond}, Recycle: &metav1.Duration{},
				})
			},
			want: `{"spec":{"database":{"async":{"enabled":true},"pool":{"size":5,"maxOverflow":0,"timeout":"500ms","recycle":"0s"}}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.patch()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("patch = %s\nwant    %s", got, tt.want)
			}
		})
	}
}
