//go:build unix

package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"syscall"
	"time"
)

// child is one child process in a process group of its own. A goroutine
// started with it owns the reaping: it alone calls Wait, then closes done.
type child struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the process is reaped
	err  error         // Wait's error, set before done closes
}

// startChild runs the geerpc binary with args and waits until it accepts
// connections on addr; on failure the child is killed and reaped.
func startChild(ctx context.Context, opts Options, args []string, addr string) (*child, error) {
	return startProgram(ctx, opts.Binary, args, opts.Stderr, addr)
}

// startProgram runs bin with args and waits until it accepts connections
// on addr; on failure the child is killed and reaped.
func startProgram(ctx context.Context, bin string, args []string, stderr io.Writer, addr string) (*child, error) {
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = childAttr()
	if stderr != nil {
		cmd.Stderr = stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	if err := waitDial(ctx, addr, c.done); err != nil {
		c.kill()
		return nil, fmt.Errorf("%s %v: %w", bin, args, errors.Join(err, c.err))
	}
	return c, nil
}

// pid returns the process id; 0 for a nil child.
func (c *child) pid() int {
	if c == nil {
		return 0
	}
	return c.cmd.Process.Pid
}

// signal sends sig to the child's process group.
func (c *child) signal(sig syscall.Signal) error {
	select {
	case <-c.done:
		return fmt.Errorf("geerpc: cluster: process %d already exited", c.pid())
	default:
	}
	return syscall.Kill(-c.pid(), sig)
}

// kill sends SIGKILL to the group and waits until the child is reaped.
func (c *child) kill() {
	_ = c.signal(syscall.SIGKILL)
	<-c.done
}

// term sends SIGTERM (and SIGCONT, should it be frozen) and waits up to
// grace for the child to exit, then kills it.
func (c *child) term(grace time.Duration) {
	_ = c.signal(syscall.SIGTERM)
	_ = c.signal(syscall.SIGCONT)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-c.done:
	case <-t.C:
		c.kill()
	}
}
