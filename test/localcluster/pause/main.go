// Command pause is the real node's sandbox ("pause") image: the first process of every
// pod, holding its namespaces while the pod's containers come and go. No registry is
// reachable here, so the local cluster builds this image itself and imports it into
// containerd at start. It waits for SIGTERM or SIGINT and exits 0.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}
