//go:build unix && !linux

package cluster

import "syscall"

// childAttr puts a child in a process group of its own; without a
// parent-death signal, children outlive a harness killed by SIGKILL.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// Children is only implemented on Linux.
func Children() ([]int, error) { return nil, ErrUnsupported }
