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
// ClusterRole, and of Secrets only get (the operator passes the database URL to the
// pods by secretKeyRef and never reads it itself; it gets by name only the Secret a
// notification receiver's urlSecretRef names, and never lists or watches Secrets).
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
			switch {
			case res == "*":
				return fmt.Errorf("rule %d grants every resource of the core API group: the operator must not list or watch Secrets", i)
			case res == "secrets" && !slices.Equal(rule.Verbs, []string{"get"}):
				return fmt.Errorf("rule %d grants %v on secrets: the operator may only get a Secret by name", i, rule.Verbs)
			}
		}
	}
	return nil
}
