package localcluster

import (
	"fmt"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

const kubeconfigContext = "localcluster"

// writeCertKubeconfig writes a self-contained kubeconfig authenticating with a client
// certificate.
func writeCertKubeconfig(path, server string, caPEM []byte, user string, pair keyPair) error {
	return writeKubeconfig(path, server, caPEM, "default", user, &clientcmdapi.AuthInfo{
		ClientCertificateData: pair.certPEM,
		ClientKeyData:         pair.keyPEM,
	})
}

// writeTokenKubeconfig writes a kubeconfig that reads its bearer token from tokenPath.
// client-go re-reads that file periodically, so the node agent can renew the token
// under a running program.
// Its namespace is the pod's, as an in-cluster client's would be.
func writeTokenKubeconfig(path, server string, caPEM []byte, namespace, user, tokenPath string) error {
	return writeKubeconfig(path, server, caPEM, namespace, user, &clientcmdapi.AuthInfo{TokenFile: tokenPath})
}

func writeKubeconfig(path, server string, caPEM []byte, namespace, user string, auth *clientcmdapi.AuthInfo) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[kubeconfigContext] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[user] = auth
	cfg.Contexts[kubeconfigContext] = &clientcmdapi.Context{Cluster: kubeconfigContext, AuthInfo: user, Namespace: namespace}
	cfg.CurrentContext = kubeconfigContext
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("write kubeconfig %s: %w", path, err)
	}
	return nil
}

// restConfigFor loads a kubeconfig file as a client configuration.
func restConfigFor(path string) (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %s: %w", path, err)
	}
	return cfg, nil
}
