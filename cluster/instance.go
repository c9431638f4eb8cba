package cluster

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"

	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/internal/toggle"
)

// Instance is one geerpc server of the cluster, on a 127.0.0.1 port it keeps
// across restarts, registered under the address clients dial (Front's).
type Instance struct {
	opts   Options
	spec   InstanceSpec
	reg    registrar
	listen string      // host:port it listens on
	front  string      // host:port clients dial
	hb     toggle.Loop // the in-process instance's heartbeat loop

	mu     sync.Mutex // protects following
	srv    *geerpc.Server
	stop   chan struct{} // closed when this server generation stops
	served chan struct{} // closed when its Serve returned
	proc   *child
}

// startInstance starts the instance of spec and its heartbeat.
func startInstance(ctx context.Context, opts Options, spec InstanceSpec, reg registrar) (*Instance, error) {
	in := &Instance{opts: opts, spec: spec, reg: reg}
	lis, err := listenLoopback()
	if err != nil {
		return nil, fmt.Errorf("geerpc: cluster: instance %s: %w", spec.Name, err)
	}
	in.listen = lis.Addr().String()
	if opts.Backend == Processes {
		_ = lis.Close() // the child listens there
	} else if err := in.serve(lis); err != nil {
		_ = lis.Close()
		return nil, err
	}
	in.front = in.listen
	if opts.Front != nil {
		if in.front, err = opts.Front(spec, in.listen); err != nil {
			in.close()
			return nil, err
		}
	}
	return in, in.Restart(ctx)
}

// Name returns the instance's name.
func (in *Instance) Name() string { return in.spec.Name }

// Spec returns the instance's spec.
func (in *Instance) Spec() InstanceSpec { return in.spec }

// Addr returns the address clients dial and the registry lists, as
// tcp@host:port.
func (in *Instance) Addr() string { return "tcp@" + in.front }

// Listen returns the host:port the server itself listens on.
func (in *Instance) Listen() string { return in.listen }

// Pid returns the instance's process id, or 0 in process or while stopped.
func (in *Instance) Pid() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.proc.pid()
}

// Running reports whether the instance serves (frozen counts as serving).
func (in *Instance) Running() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.srv != nil || in.proc != nil
}

// serve starts a new in-process server generation on lis.
func (in *Instance) serve(lis net.Listener) error {
	stop, served := make(chan struct{}), make(chan struct{})
	newServer := in.opts.NewServer
	if newServer == nil {
		newServer = demoServer
	}
	srv, err := newServer(in.spec, stop)
	if err != nil {
		return fmt.Errorf("geerpc: cluster: instance %s: %w", in.spec.Name, err)
	}
	go func() {
		defer close(served)
		_ = srv.Serve(context.Background(), lis)
	}()
	in.mu.Lock()
	in.srv, in.stop, in.served = srv, stop, served
	in.mu.Unlock()
	return nil
}

// demoServer serves the demo services named after the instance.
func demoServer(spec InstanceSpec, _ <-chan struct{}) (*geerpc.Server, error) {
	srv := geerpc.NewServer()
	_, err := demo.RegisterAll(srv, demo.Config{Instance: spec.Name, Latency: spec.Latency})
	return srv, err
}

// Restart serves again on the same address, heartbeating; it does nothing
// to a running instance but start its heartbeat.
func (in *Instance) Restart(ctx context.Context) error {
	if in.opts.Backend == Processes {
		return in.startProcess(ctx)
	}
	if !in.Running() {
		lis, err := listenAgain(ctx, in.listen)
		if err != nil {
			return fmt.Errorf("geerpc: cluster: restart %s: %w", in.spec.Name, err)
		}
		if err := in.serve(lis); err != nil {
			_ = lis.Close()
			return err
		}
	}
	return in.StartHeartbeat(ctx)
}

// startProcess starts `geerpc serve` unless it runs.
func (in *Instance) startProcess(ctx context.Context) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.proc != nil {
		return nil
	}
	args := []string{"serve", "-addr", "tcp@" + in.listen, "-advertise", in.Addr(), "-name", in.spec.Name, "-debug", "",
		"-latency", in.spec.Latency.String(), "-service-time", in.spec.ServiceTime.String(), "-weight", strconv.Itoa(max(in.spec.Weight, 1)), "-grace", "1s"}
	if in.opts.Faults {
		args = append(args, "-faults")
	}
	reg, err := in.reg.serveArgs(in.Addr())
	if err != nil {
		return err
	}
	p, err := startChild(ctx, in.opts, append(args, reg...), in.listen)
	if err != nil {
		return fmt.Errorf("geerpc: cluster: instance %s: %w", in.spec.Name, err)
	}
	in.proc = p
	return nil
}

// StartHeartbeat starts heartbeating unless it already is. A process
// instance heartbeats by itself from its start; one started with
// Options.Faults is told to resume through its control service, others
// return ErrUnsupported.
func (in *Instance) StartHeartbeat(ctx context.Context) error {
	if in.opts.Backend == Processes {
		return in.processHeartbeat(ctx, "StartHeartbeat")
	}
	return in.hb.Start(func() (func(), <-chan struct{}, error) {
		return in.reg.heartbeat(ctx, in.Addr(), max(in.spec.Weight, 1))
	})
}

// StopHeartbeat stops heartbeating without deregistering, the instance
// serving on. A process instance started with Options.Faults is told so
// through its control service; other processes return ErrUnsupported.
func (in *Instance) StopHeartbeat() error {
	if in.opts.Backend == Processes {
		return in.processHeartbeat(context.Background(), "StopHeartbeat")
	}
	in.hb.Stop()
	return nil
}

// processHeartbeat stops or starts a child's heartbeats through its control
// service; ErrUnsupported without one.
func (in *Instance) processHeartbeat(ctx context.Context, method string) error {
	if !in.opts.Faults {
		return ErrUnsupported
	}
	return in.control(ctx, method, 0, new(int))
}
