package localcluster

// The real node's addresses, all inside its network namespace (machineName): nothing
// outside it can reach them and it has no route out. See docs/localcluster.md.
const (
	// nodeIP is the Node's InternalIP, on an interface of the namespace: the API server,
	// the kubelet and the pods' way to the host's PostgreSQL listen there.
	nodeIP = "10.245.0.1"
	// podSubnet holds the pods, one veth each (CNI ptp + host-local).
	podSubnet  = "10.244.0.0/24"
	podGateway = "10.244.0.1"
	// serviceSubnet holds the ClusterIPs (the process node uses the range too, but
	// proxies Services itself); kubernetesServiceIP is the "kubernetes" Service's.
	serviceSubnet       = "10.96.0.0/16"
	kubernetesServiceIP = "10.96.0.1"
	// podDatabasePort is where pods reach the host's PostgreSQL: nodeIP:5432.
	podDatabasePort = 5432
)
