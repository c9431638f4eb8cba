package cluster

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/geerpclab/geerpc/geerpc/registry"
)

// registrar is how an instance registers in the cluster's registry: the
// HTTP Registry or Etcd.
type registrar interface {
	// serveArgs returns the flags that make geerpc serve register addr
	// there; an error when it cannot.
	serveArgs(addr string) ([]string, error)
	// heartbeat registers addr and keeps it registered in the background
	// until stop is called, which leaves it registered until its TTL runs
	// out; done is closed once the background work ended.
	heartbeat(ctx context.Context, addr string, weight int) (stop func(), done <-chan struct{}, err error)
	// deregister removes addr at once.
	deregister(ctx context.Context, addr string) error
	// listed returns the addresses registered now.
	listed(ctx context.Context) ([]string, error)
}

var (
	_ registrar = (*Registry)(nil)
	_ registrar = (*Etcd)(nil)
)

// Registry is the cluster's HTTP registry on 127.0.0.1. It can go Down and
// come back Up on the same address: in process its table survives (the
// registry was cut off), as a process it is killed and its table is lost
// (instances register again with their next heartbeat).
type Registry struct {
	opts Options
	addr string // host:port, kept across restarts

	mu    sync.Mutex // protects following
	table *registry.GeeRegistry
	srv   *http.Server
	done  chan struct{} // closed when srv's Serve returned
	proc  *child
}

// startRegistry starts the registry of opts on a free port.
func startRegistry(ctx context.Context, opts Options) (*Registry, error) {
	r := &Registry{opts: opts}
	if opts.Backend == InProcess {
		lis, err := listenLoopback()
		if err != nil {
			return nil, fmt.Errorf("geerpc: cluster: registry: %w", err)
		}
		r.addr, r.table = lis.Addr().String(), registry.NewWithOptions(registry.Options{TTL: opts.ttl()})
		r.serve(lis)
		return r, nil
	}
	addr, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("geerpc: cluster: registry: %w", err)
	}
	r.addr = addr
	return r, r.Up(ctx)
}

// URL returns the registry's URL, as heartbeats and discoveries use it.
func (r *Registry) URL() string { return "http://" + r.addr + registry.DefaultPath }

// Pid returns the registry's process id, or 0 in process or while down.
func (r *Registry) Pid() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.proc.pid()
}

// serve serves lis in process; r.mu must be held or r not yet shared.
func (r *Registry) serve(lis net.Listener) {
	mux := http.NewServeMux()
	mux.Handle(registry.DefaultPath, r.table)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, MaxHeaderBytes: 1 << 16}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis)
	}()
	r.srv, r.done = srv, done
}

// Down stops the registry: in process its HTTP server and connections
// close, as a process it is killed (SIGKILL) and reaped.
func (r *Registry) Down() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.proc != nil {
		r.proc.kill()
		r.proc = nil
	}
	if r.srv != nil {
		_ = r.srv.Close()
		<-r.done
		r.srv = nil
	}
}

// Up serves again on the same address; it does nothing while up.
func (r *Registry) Up(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.srv != nil || r.proc != nil {
		return nil
	}
	if r.opts.Backend == InProcess {
		lis, err := listenAgain(ctx, r.addr)
		if err != nil {
			return fmt.Errorf("geerpc: cluster: registry back up: %w", err)
		}
		r.serve(lis)
		return nil
	}
	args := []string{"registry", "-addr", r.addr, "-ttl", r.opts.ttl().String(),
		"-max-instances", strconv.Itoa(1024)}
	p, err := startChild(ctx, r.opts, args, r.addr)
	if err != nil {
		return fmt.Errorf("geerpc: cluster: registry: %w", err)
	}
	r.proc = p
	return nil
}

func (r *Registry) serveArgs(string) ([]string, error) {
	return []string{"-registry", r.URL(), "-heartbeat", r.opts.heartbeat().String()}, nil
}

// heartbeat heartbeats addr to the registry in the background.
func (r *Registry) heartbeat(ctx context.Context, addr string, weight int) (func(), <-chan struct{}, error) {
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	p := r.opts.heartbeat()
	opts := registry.HeartbeatOptions{Period: p, Timeout: p, Backoff: p / 4, Weight: weight}
	go func() {
		defer close(done)
		_ = registry.HeartbeatContext(hctx, r.URL(), addr, opts)
	}()
	return cancel, done, nil
}

func (r *Registry) deregister(ctx context.Context, addr string) error {
	return Deregister(ctx, r.URL(), addr)
}

func (r *Registry) listed(ctx context.Context) ([]string, error) {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	items, err := registry.FetchServers(ctx, client, r.URL())
	addrs := make([]string, len(items))
	for i, it := range items {
		addrs[i] = it.Addr
	}
	return addrs, err
}

// Deregister takes the instance out of the registry at once, as a server
// that stops cleanly does; it serves on, and heartbeats on unless stopped.
func (in *Instance) Deregister(ctx context.Context) error {
	return in.reg.deregister(ctx, in.Addr())
}

// close stops the registry for good.
func (r *Registry) close() { r.Down() }
