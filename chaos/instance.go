package chaos

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/registry"
)

// instance is one geerpc server with the demo services behind call faults,
// reachable through its own proxy, heartbeating to the registry. It can die
// and come back on the same addresses.
type instance struct {
	spec     InstanceSpec
	inj      *CallInjector
	svc      *demo.Services
	proxy    *LinkProxy
	upstream string // the server's own 127.0.0.1 host:port
	regURL   string
	hb       registry.HeartbeatOptions

	mu       sync.Mutex // protects following
	srv      *geerpc.Server
	stop     chan struct{} // closed when this server generation stops
	served   chan struct{} // closed when its Serve returned
	hbCancel context.CancelFunc
	hbDone   chan struct{}
}

// startInstance starts the server, its proxy and its heartbeat.
func startInstance(ctx context.Context, spec InstanceSpec, links *Links, reg *registryServer, rs RegistrySpec, seed uint64) (*instance, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("chaos: instance %s: %w", spec.Name, err)
	}
	in := &instance{
		spec:     spec,
		inj:      NewCallInjector(seed),
		svc:      demo.New(demo.Config{Instance: spec.Name}),
		upstream: lis.Addr().String(),
		regURL:   reg.URL(),
		hb:       registry.HeartbeatOptions{Period: rs.heartbeat(), Timeout: rs.heartbeat(), Backoff: rs.heartbeat() / 4, Weight: spec.Weight},
	}
	if err := in.serve(lis); err != nil {
		_ = lis.Close()
		return nil, err
	}
	if in.proxy, err = links.Proxy(spec.Name, in.upstream); err != nil {
		in.kill()
		return nil, err
	}
	in.startHeartbeat(ctx)
	return in, nil
}

// Addr returns the address clients use: the proxy's, as protocol@addr.
func (in *instance) Addr() string { return "tcp@" + in.proxy.Addr() }

// serve starts a new server generation on lis.
func (in *instance) serve(lis net.Listener) error {
	stop, served := make(chan struct{}), make(chan struct{})
	srv, err := newFaultyServer(in.svc, in.inj, in.spec.ServiceTime.D(), stop)
	if err != nil {
		return fmt.Errorf("chaos: instance %s: %w", in.spec.Name, err)
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

// restart serves again on the same address after kill.
func (in *instance) restart(ctx context.Context) error {
	in.mu.Lock()
	running := in.srv != nil
	in.mu.Unlock()
	if running {
		return nil
	}
	lis, err := listenAgain(ctx, in.upstream)
	if err != nil {
		return fmt.Errorf("%w: restart %s: %w", ErrFault, in.spec.Name, err)
	}
	return in.serve(lis)
}

// kill stops the server at once: connections close, calls in flight are
// cut, delayed calls are released.
func (in *instance) kill() { in.shutdown(0) }

// shutdown stops the server, letting calls in flight finish for up to grace.
func (in *instance) shutdown(grace time.Duration) {
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

// startHeartbeat starts heartbeating unless it already is.
func (in *instance) startHeartbeat(ctx context.Context) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.hbCancel != nil {
		return
	}
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	addr := in.Addr()
	go func() {
		defer close(done)
		_ = registry.HeartbeatContext(hctx, in.regURL, addr, in.hb)
	}()
	in.hbCancel, in.hbDone = cancel, done
}

// stopHeartbeat stops heartbeating without deregistering.
func (in *instance) stopHeartbeat() {
	in.mu.Lock()
	cancel, done := in.hbCancel, in.hbDone
	in.hbCancel, in.hbDone = nil, nil
	in.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// close stops everything for good.
func (in *instance) close() {
	in.stopHeartbeat()
	in.kill()
	if in.proxy != nil {
		in.proxy.Close()
	}
}
