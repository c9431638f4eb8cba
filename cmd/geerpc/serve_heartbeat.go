package main

import (
	"context"
	"sync"

	"github.com/geerpclab/geerpc/cluster"
	"github.com/geerpclab/geerpc/geerpc/registry"
)

// heartbeats sends an instance's heartbeats to the HTTP registry in the
// background, in a loop that stops without deregistering (the dead
// heartbeat of -faults) and starts again; deregister ends it for good.
type heartbeats struct {
	url, addr string
	opts      registry.HeartbeatOptions // Deregister unset: the loop never deregisters

	mu     sync.Mutex         // protects following
	cancel context.CancelFunc // stops the loop; nil while stopped
	done   chan struct{}      // closed when the loop returned
}

var _ cluster.Heartbeats = (*heartbeats)(nil)

// StartHeartbeat starts the loop unless it runs; its first heartbeat goes
// at once.
func (h *heartbeats) StartHeartbeat() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cancel != nil {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = registry.HeartbeatContext(ctx, h.url, h.addr, h.opts)
	}()
	h.cancel, h.done = cancel, done
	return nil
}

// StopHeartbeat stops the loop, leaving the instance registered until its
// TTL runs out, and returns once the loop did (a heartbeat in flight is
// cancelled).
func (h *heartbeats) StopHeartbeat() error {
	h.mu.Lock()
	cancel, done := h.cancel, h.done
	h.cancel, h.done = nil, nil
	h.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	return nil
}

// deregister stops the loop and removes the instance from the registry,
// within the heartbeat's request timeout.
func (h *heartbeats) deregister() error {
	_ = h.StopHeartbeat()
	// HeartbeatContext with an ended context sends no heartbeat that can
	// arrive (its request is cancelled before it leaves), then deregisters.
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	opts := h.opts
	opts.Deregister = true
	return registry.HeartbeatContext(ended, h.url, h.addr, opts)
}
