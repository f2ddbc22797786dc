package plugin

import (
	"encoding/json"
	"fmt"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// The JSON merge patches the plugin sends. Merge patches touch only the fields they
// name, so a control never overwrites what another client changed meanwhile.

// annotationPatch sets one annotation.
func annotationPatch(key, value string) ([]byte, error) {
	return marshalPatch(map[string]any{
		"metadata": map[string]any{"annotations": map[string]string{key: value}},
	})
}

// pausedPatch sets spec.paused.
func pausedPatch(paused bool) ([]byte, error) {
	return marshalPatch(map[string]any{"spec": map[string]any{"paused": paused}})
}

// databasePatch sets spec.database.async and every field of spec.database.pool to a
// revision's settings, so that the spec's revision hash becomes that revision's.
func databasePatch(async bool, pool iapiv1alpha1.PoolSpec) ([]byte, error) {
	return marshalPatch(map[string]any{
		"spec": map[string]any{
			"database": map[string]any{
				"async": iapiv1alpha1.AsyncSpec{Enabled: async},
				"pool":  pool.Normalized(),
			},
		},
	})
}

func marshalPatch(patch map[string]any) ([]byte, error) {
	b, err := json.Marshal(patch)
	if err != nil {
		return nil, fmt.Errorf("encode merge patch: %w", err)
	}
	return b, nil
}
