//go:build !linux

package localcluster

// totalMemory stands for the machine's RAM where it is not read: 8 GiB.
func totalMemory() int64 { return 8 << 30 }
