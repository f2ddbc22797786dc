//go:build e2e

package helminstall

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// decodeManifests turns the output of `helm get manifest` or `helm get hooks` into
// objects; a namespaced object without a namespace is in the release's, as Helm
// creates it.
func decodeManifests(c client.Client, text, releaseNamespace string) ([]*unstructured.Unstructured, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(text)))
	var objs []*unstructured.Unstructured
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read manifest: %w", err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := utilyaml.Unmarshal(doc, &u.Object); err != nil {
			return nil, fmt.Errorf("decode manifest: %w\n%s", err, doc)
		}
		if len(u.Object) == 0 {
			continue // a document of comments only
		}
		namespaced, err := c.IsObjectNamespaced(u)
		if err != nil {
			return nil, fmt.Errorf("scope of %s: %w", describe(u), err)
		}
		if namespaced && u.GetNamespace() == "" {
			u.SetNamespace(releaseNamespace)
		}
		objs = append(objs, u)
	}
}

// exists tells whether obj is in the cluster; an object being deleted counts as
// present.
func exists(ctx context.Context, c client.Client, obj *unstructured.Unstructured) (bool, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(obj.GroupVersionKind())
	err := c.Get(ctx, client.ObjectKeyFromObject(obj), u)
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsNotFound(err):
		return false, nil
	}
	return false, fmt.Errorf("get %s: %w", describe(obj), err)
}

// describe names an object as Kind namespace/name.
func describe(obj client.Object) string {
	kind := obj.GetObjectKind().GroupVersionKind().Kind
	if obj.GetNamespace() == "" {
		return kind + " " + obj.GetName()
	}
	return kind + " " + obj.GetNamespace() + "/" + obj.GetName()
}
