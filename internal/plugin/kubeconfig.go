package plugin

import (
	"fmt"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// kubeFlags finds the cluster the way kubectl does: --kubeconfig, else $KUBECONFIG, else
// ~/.kube/config, else the in-cluster service account; kubectl's override flags
// (--context, -n/--namespace, --server, --request-timeout, …) apply on top.
type kubeFlags struct {
	loadingRules *clientcmd.ClientConfigLoadingRules
	overrides    *clientcmd.ConfigOverrides
}

func newKubeFlags() *kubeFlags {
	return &kubeFlags{
		loadingRules: clientcmd.NewDefaultClientConfigLoadingRules(),
		overrides:    &clientcmd.ConfigOverrides{},
	}
}

// bind registers the flags on a flag set (the root command's persistent flags).
func (k *kubeFlags) bind(flags *pflag.FlagSet) {
	flags.StringVar(&k.loadingRules.ExplicitPath, clientcmd.RecommendedConfigPathFlag, "",
		"Path to the kubeconfig file to use for CLI requests")
	clientcmd.BindOverrideFlags(k.overrides, flags, clientcmd.RecommendedConfigOverrideFlags(""))
}

func (k *kubeFlags) clientConfig() clientcmd.ClientConfig {
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(k.loadingRules, k.overrides)
}

// restConfig is the connection to the API server.
func (k *kubeFlags) restConfig() (*rest.Config, error) {
	cfg, err := k.clientConfig().ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	return cfg, nil
}

// namespace is -n, else the namespace of the kubeconfig context, else "default".
func (k *kubeFlags) namespace() (string, error) {
	ns, _, err := k.clientConfig().Namespace()
	if err != nil {
		return "", fmt.Errorf("resolve namespace from kubeconfig: %w", err)
	}
	return ns, nil
}
