package cluster

import (
	"context"
	"syscall"
	"time"
)

// Kill stops the instance with no goodbye: its heartbeat stops without
// deregistering and its connections close at once. A process gets SIGKILL,
// so the kernel resets its connections; Kill returns once it is reaped.
func (in *Instance) Kill() {
	in.mu.Lock()
	p := in.proc
	in.proc = nil
	in.mu.Unlock()
	if p != nil {
		p.kill()
		return
	}
	_ = in.StopHeartbeat()
	in.shutdown(0)
}

// Stop stops the instance cleanly: it leaves the registry, then calls in
// flight may finish for up to grace. A process gets SIGTERM (geerpc serve
// deregisters and drains by itself) and SIGKILL should it outlast grace+1s.
func (in *Instance) Stop(ctx context.Context, grace time.Duration) error {
	in.mu.Lock()
	p := in.proc
	in.proc = nil
	in.mu.Unlock()
	if p != nil {
		p.term(grace + time.Second)
		return nil
	}
	_ = in.StopHeartbeat()
	err := in.reg.deregister(ctx, in.Addr())
	in.shutdown(grace)
	return err
}

// Freeze stops a process instance with SIGSTOP: its socket stays open, it
// answers nothing and its heartbeats stop. In process: ErrUnsupported.
func (in *Instance) Freeze() error { return in.signal(syscall.SIGSTOP) }

// Thaw resumes a frozen process instance with SIGCONT.
func (in *Instance) Thaw() error { return in.signal(syscall.SIGCONT) }

func (in *Instance) signal(sig syscall.Signal) error {
	in.mu.Lock()
	p := in.proc
	in.mu.Unlock()
	if p == nil {
		return ErrUnsupported
	}
	return p.signal(sig)
}

// shutdown stops the in-process server, letting calls in flight finish for
// up to grace; with no grace, waits end at once.
func (in *Instance) shutdown(grace time.Duration) {
	in.mu.Lock()
	srv, stop, served := in.srv, in.stop, in.served
	in.srv = nil
	in.mu.Unlock()
	if srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if grace <= 0 {
		close(stop)
	}
	_ = srv.Shutdown(ctx)
	if grace > 0 {
		close(stop)
	}
	<-served
}

// close stops the instance for good.
func (in *Instance) close() { in.Kill() }
