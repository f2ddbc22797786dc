package plugin

import (
	"fmt"

	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"
)

// kubeFlags finds the cluster the way kubectl does, with kubectl's own flags
// (k8s.io/cli-runtime's genericclioptions): --kubeconfig, else $KUBECONFIG, else
// ~/.kube/config, else the in-cluster service account; the override flags (--context,
// -n/--namespace, --server, --request-timeout, --as, …) apply on top.
type kubeFlags struct {
	config *genericclioptions.ConfigFlags
}

func newKubeFlags() *kubeFlags {
	return &kubeFlags{config: genericclioptions.NewConfigFlags(true)}
}

// bind registers the flags on a flag set (the root command's persistent flags).
func (k *kubeFlags) bind(flags *pflag.FlagSet) { k.config.AddFlags(flags) }

// restConfig is the connection to the API server.
func (k *kubeFlags) restConfig() (*rest.Config, error) {
	cfg, err := k.config.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	return cfg, nil
}

// namespace is -n, else the namespace of the kubeconfig context, else "default".
func (k *kubeFlags) namespace() (string, error) {
	ns, _, err := k.config.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return "", fmt.Errorf("resolve namespace from kubeconfig: %w", err)
	}
	return ns, nil
}
