package main

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestProcessTreeCPUCoversChildren(t *testing.T) {
	// This test process and a child that burns CPU: the tree must account for at least
	// the child's time once it has been reaped.
	before, err := processTreeCPU(os.Getpid())
	if err != nil {
		t.Fatalf("processTreeCPU: %v", err)
	}
	cmd := exec.Command("sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done")
	if err := cmd.Run(); err != nil {
		t.Fatalf("running the child: %v", err)
	}
	child := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	after, err := processTreeCPU(os.Getpid())
	if err != nil {
		t.Fatalf("processTreeCPU: %v", err)
	}
	if child < 20*time.Millisecond {
		t.Fatalf("the child used only %v of CPU; the check needs a measurable amount", child)
	}
	if grew := after - before; grew < child-20*time.Millisecond {
		t.Errorf("tree CPU grew by %v, less than the reaped child's %v", grew, child)
	}
}
