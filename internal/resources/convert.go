package resources

import (
	"encoding/json"
	"fmt"
)

// applyConfigOf converts a typed value from the spec (affinity, tolerations, resource
// requirements) into its apply configuration. Both share their JSON form, so a JSON
// round trip keeps exactly the fields the user set.
func applyConfigOf[T any](field string, typed any) (*T, error) {
	b, err := json.Marshal(typed)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", field, err)
	}
	ac := new(T)
	if err := json.Unmarshal(b, ac); err != nil {
		return nil, fmt.Errorf("decode %s as an apply configuration: %w", field, err)
	}
	return ac, nil
}
