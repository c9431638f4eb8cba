package cluster

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// childAttr puts a child in a process group of its own (so that a signal
// reaches all of it and a terminal's Ctrl-C reaches only the harness, which
// then stops it) and has the kernel kill it when the harness dies, even by
// a panic or SIGKILL. The parent-death signal follows the thread that
// started the child; Go keeps that thread unless a goroutine locked to it
// exits, which this package never does.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// Children returns the ids of the live child processes of this process
// (zombies not yet reaped included), from /proc. Tests use it to check
// that nothing was left behind.
func Children() ([]int, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return nil, err
	}
	me := os.Getpid()
	var out []int
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // it exited meanwhile
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at the last ')'.
		i := bytes.LastIndexByte(b, ')')
		f := bytes.Fields(b[i+1:])
		if len(f) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(string(f[1])); ppid == me {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			out = append(out, pid)
		}
	}
	return out, nil
}
