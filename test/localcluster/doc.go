// Package localcluster runs a Kubernetes cluster on this machine, on loopback only, in
// which pods really run — without containers, Docker or root. It is what the demo and
// the end-to-end tests run on; `go run ./hack/localcluster` runs it by hand.
//
//	c, err := localcluster.Start(ctx, localcluster.Options{})
//	defer c.Stop()
//	// c.Kubeconfig, c.RESTConfig, c.Clientset, c.DatabaseURL,
//	// c.ServiceAddr("default", "my-svc", 8000), c.StopDatabase(ctx), c.StartDatabase(ctx)
//
// # What runs
//
//   - etcd, kube-apiserver and kube-controller-manager from bin/k8s (`make tools`), with a
//     fresh certificate authority, RBAC, the ServiceAccount admission plugin and
//     service-account token signing, so TokenRequest works. The controller manager runs
//     every default controller except those of EndpointSlices and Endpoints (see below)
//     and the legacy token Secrets.
//   - One Node, Ready, kept alive by a Lease, and its agent, which plays both scheduler
//     and kubelet: it binds every pending pod to the node and runs each container as a
//     local process. An image maps to a binary by repository, full or by its last path
//     element ("registry.example/interviewapi-server:v1" → bin/interviewapi-server);
//     Options.Images adds entries. The agent resolves env (values, $(VAR) references,
//     envFrom, secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef), runs init
//     containers in order, runs startup, readiness and liveness probes (httpGet,
//     tcpSocket, exec), restarts containers as the restart policy says with back-off
//     (1s doubling to 30s), reports phase, conditions, addresses and container statuses
//     like the kubelet, and on deletion runs preStop hooks, sends SIGTERM to the
//     container's process group, SIGKILL after the grace period, and deletes the pod.
//     Each pod's output goes to DIR/pods/NAMESPACE/POD/CONTAINER.log (all runs appended),
//     also served to `kubectl logs` (without --previous).
//   - A service proxy: every TCP port of every ClusterIP Service gets a listener on
//     127.0.0.1:RANDOM that sends each new connection to the next ready pod in turn.
//     Traffic therefore splits by replica count, per connection: requests on one
//     kept-alive connection stay on one pod, as with kube-proxy. The mapping is in
//     DIR/services.json, Cluster.ServiceAddr and `localcluster service-addr`.
//   - A throwaway PostgreSQL (hack/postgres.sh) whose URL is in the Secret
//     default/interview-db under the key url.
//
// # Conventions of a pod's process
//
// Pods share the host's network, so each pod gets its own address instead:
// 127.0.N.10, .11, … (N is 0 for the first cluster on the machine, 1 for a second one
// running at the same time, …); freed addresses are reused. The process's environment
// is PATH, HOME, TMPDIR and GOCOVERDIR of the cluster's own, HOSTNAME (the pod name),
// the container's env, and:
//   - POD_IP: the pod's address (unless the pod sets it);
//   - LISTEN_ADDR: when the pod sets it without a host (":8000") or with a wildcard host,
//     the host becomes the pod's address; when the pod does not set it and the
//     container declares a port, it is POD_IP:<first TCP container port>;
//   - KUBECONFIG: for a pod that mounts its service-account token (automount is on by
//     default), a kubeconfig authenticating as system:serviceaccount:NS:SA with a token
//     from TokenRequest bound to the pod and renewed before it expires. Programs that
//     find their cluster like kubectl (controller-runtime's GetConfig) therefore run
//     with exactly the RBAC of their ServiceAccount. /var/run/secrets/... does not
//     exist: rest.InClusterConfig fails, and a namespace must come from the env
//     (fieldRef metadata.namespace), e.g. for leader election.
//
// Flags written --NAME-address=HOST:PORT or --NAME-bind-address=… get the pod's address
// when HOST is empty or a wildcard, e.g. --health-probe-bind-address=:8081. Command[0]
// names the image's program and is replaced by the mapped binary; command[1:] and args
// follow. Resource requests, limits, security contexts, volumes, node selectors,
// affinity and taints are accepted and ignored.
//
// # Differences from a real cluster worth knowing
//
//   - EndpointSlices and Endpoints stay empty: the API server rejects loopback
//     addresses in them. Find a Service's pods by its selector and their status.podIP.
//   - An image without a binary leaves the container waiting with reason ErrImagePull
//     and a message naming the image and the known repositories (the pod stays
//     Pending, as with a real pull failure, and the agent retries, so a `make build`
//     fixes it), plus a Warning event.
//   - Until readiness first succeeds it is probed every 200ms (then every periodSeconds),
//     so pods turn Ready as soon as they serve. Liveness is first probed one period
//     after initialDelaySeconds: a process starts in a millisecond, and a probe at once
//     would find nothing listening yet.
//   - When the whole cluster stops, pods get at most 5s of grace.
//   - Services of type NodePort or LoadBalancer are proxied like ClusterIP ones; UDP
//     ports, headless and ExternalName Services are not proxied.
//
// # Files
//
// Everything lives in Options.Dir (default .localcluster in the repository), emptied of
// an earlier cluster's files at start: kubeconfig (admin), env (shell exports), ready
// (exists while the cluster is up), services.json, logs/ (etcd, kube-apiserver,
// kube-controller-manager, localcluster), pods/, pki/, etcd/, postgres/.
//
// # Teardown
//
// Stop ends pods, proxy, controllers, API server, etcd and PostgreSQL and returns when
// they have exited. Every child runs in its own process group with a parent-death
// signal (Linux), so a cluster whose program is killed outright takes its processes
// with it; PostgreSQL, which pg_ctl detaches, is stopped by the next start in the same
// directory.
package localcluster
