package chaos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/geerpclab/geerpc/geerpc/registry"
)

// registryServer is a GeeRPC HTTP registry on 127.0.0.1 that can go down
// (its HTTP server closed, its table kept, as when the registry is cut off)
// and come back on the same address.
type registryServer struct {
	reg  *registry.GeeRegistry
	addr string

	mu   sync.Mutex // protects following
	srv  *http.Server
	done chan struct{} // closed when srv's Serve returned
}

// startRegistry starts a registry whose instances expire ttl after their
// last heartbeat.
func startRegistry(ttl time.Duration) (*registryServer, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("chaos: registry: %w", err)
	}
	r := &registryServer{reg: registry.NewWithOptions(registry.Options{TTL: ttl}), addr: lis.Addr().String()}
	r.serve(lis)
	return r, nil
}

// URL returns the registry's URL, as heartbeats and discoveries use it.
func (r *registryServer) URL() string { return "http://" + r.addr + registry.DefaultPath }

// serve serves lis; r.mu must be held or r not yet shared.
func (r *registryServer) serve(lis net.Listener) {
	mux := http.NewServeMux()
	mux.Handle(registry.DefaultPath, r.reg)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, MaxHeaderBytes: 1 << 16}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis)
	}()
	r.srv, r.done = srv, done
}

// down closes the HTTP server and its connections: requests are refused.
func (r *registryServer) down() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.srv == nil {
		return
	}
	_ = r.srv.Close()
	<-r.done
	r.srv = nil
}

// up serves again on the same address.
func (r *registryServer) up(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.srv != nil {
		return nil
	}
	lis, err := listenAgain(ctx, r.addr)
	if err != nil {
		return fmt.Errorf("%w: registry back up: %w", ErrFault, err)
	}
	r.serve(lis)
	return nil
}

// deregister removes addr from the registry at once, as a server that
// stops cleanly does.
func deregister(ctx context.Context, registryURL, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, registryURL, nil)
	if err != nil {
		return err
	}
	req.Header.Set(registry.ServerHeader, addr)
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		return fmt.Errorf("chaos: deregister %s: %w", addr, err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("chaos: deregister %s: status %s", addr, resp.Status)
	}
	return nil
}

// listenAgain listens on addr, retrying briefly while the port is not free.
func listenAgain(ctx context.Context, addr string) (net.Listener, error) {
	var errs []error
	for i := range 20 {
		lis, err := net.Listen("tcp", addr)
		if err == nil {
			return lis, nil
		}
		errs = append(errs, err)
		if !wait(ctx, nil, time.Duration(i+1)*5*time.Millisecond) {
			break
		}
	}
	return nil, errors.Join(errs...)
}
