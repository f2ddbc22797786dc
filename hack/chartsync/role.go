package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// validateRole checks that the generated RBAC is what the chart expects to bind: one
// ClusterRole, and no access to Secrets (the operator passes the database URL to the
// pods by secretKeyRef and never reads it itself).
func validateRole(_ string, data []byte) error {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var roles []rbacv1.ClusterRole
	for {
		var r rbacv1.ClusterRole
		err := dec.Decode(&r)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		if r.Kind == "" {
			continue
		}
		roles = append(roles, r)
	}
	if len(roles) != 1 || roles[0].Kind != "ClusterRole" {
		return fmt.Errorf("want exactly one ClusterRole, found %d object(s): the chart binds the generated ClusterRole cluster-wide or per watched namespace, so RBAC markers must not set a namespace", len(roles))
	}
	for i, rule := range roles[0].Rules {
		if !slices.Contains(rule.APIGroups, "") && !slices.Contains(rule.APIGroups, "*") {
			continue
		}
		for _, res := range rule.Resources {
			if res == "secrets" || res == "*" {
				return fmt.Errorf("rule %d grants %q in the core API group: the operator must not read Secrets", i, res)
			}
		}
	}
	return nil
}
