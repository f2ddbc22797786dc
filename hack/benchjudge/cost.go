package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/interviewapi/operator/test/e2e/framework"
)

// scrapeCost is what one /metrics scrape costs a server pod.
type scrapeCost struct {
	scrapes int
	// cpu is the pod process's CPU time over the scrapes, less what it used idle over
	// as long a time; bytes the size of one answer.
	cpu   time.Duration
	idle  time.Duration
	wall  time.Duration
	bytes int
	pod   string
	err   string
}

func (s scrapeCost) perScrape() time.Duration {
	if s.scrapes == 0 {
		return 0
	}
	return (s.cpu - s.idle) / time.Duration(s.scrapes)
}

// scrapesForCost is how many scrapes the measurement makes: at a tick of /proc's
// 10 ms, a few seconds of CPU give two digits.
const scrapesForCost = 2000

// measureScrape scrapes one serving pod of key's instance scrapesForCost times, one
// after another on one kept-alive connection as the operator does, with no other
// traffic, and reads the pod process's CPU time before and after. On the process node
// a pod is a process of this program's machine, found by its POD_IP.
func (b *bench) measureScrape(ctx context.Context, key types.NamespacedName) scrapeCost {
	pods, err := framework.ListServerPods(ctx, b.client, key.Namespace, key.Name)
	if err != nil {
		return scrapeCost{err: err.Error()}
	}
	var pod *corev1.Pod
	for i := range pods {
		if framework.PodReady(&pods[i]) && pods[i].DeletionTimestamp == nil {
			pod = &pods[i]
			break
		}
	}
	if pod == nil {
		return scrapeCost{err: "no ready pod"}
	}
	s := scrapeCost{pod: pod.Name}
	pid, err := pidWithEnv("POD_IP=" + pod.Status.PodIP)
	if err != nil {
		s.err = err.Error()
		return s
	}
	// What the process uses with nothing asked of it.
	idle0 := cpuOf(pid)
	time.Sleep(5 * time.Second)
	idlePerSecond := float64(cpuOf(pid)-idle0) / 5

	c := &http.Client{Transport: &http.Transport{DialContext: b.cluster.DialPod}}
	url := "http://" + net.JoinHostPort(pod.Status.PodIP, strconv.Itoa(framework.ServerPort)) + "/metrics"
	cpu0, start := cpuOf(pid), time.Now()
	for i := 0; i < scrapesForCost; i++ {
		n, err := get(ctx, c, url)
		if err != nil {
			s.err = err.Error()
			return s
		}
		s.bytes = n
		s.scrapes++
	}
	s.wall = time.Since(start)
	s.cpu = cpuOf(pid) - cpu0
	s.idle = time.Duration(idlePerSecond * s.wall.Seconds())
	return s
}

func get(ctx context.Context, c *http.Client, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	return int(n), err
}

// pidWithEnv finds the process whose environment holds the variable entry (NAME=value)
// and that runs interviewapi-server.
func pidWithEnv(entry string) (int, error) {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", d.Name(), "exe"))
		if err != nil || filepath.Base(exe) != "interviewapi-server" {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", d.Name(), "environ"))
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if string(kv) == entry {
				return pid, nil
			}
		}
	}
	return 0, fmt.Errorf("no interviewapi-server process with %s (the real node's pods are not this machine's processes to read)", entry)
}
