package main

import (
	"context"

	"github.com/geerpclab/geerpc/cluster"
	"github.com/geerpclab/geerpc/geerpc/registry"
	"github.com/geerpclab/geerpc/internal/toggle"
)

// heartbeats sends an instance's heartbeats to the HTTP registry in the
// background, in a loop that stops without deregistering (the dead
// heartbeat of -faults) and starts again; deregister ends it for good.
type heartbeats struct {
	url, addr string
	opts      registry.HeartbeatOptions // Deregister unset: the loop never deregisters
	loop      toggle.Loop
}

var _ cluster.Heartbeats = (*heartbeats)(nil)

// StartHeartbeat starts the loop unless it runs; its first heartbeat goes
// at once.
func (h *heartbeats) StartHeartbeat() error {
	return h.loop.Start(toggle.Go(func(ctx context.Context) {
		_ = registry.HeartbeatContext(ctx, h.url, h.addr, h.opts)
	}))
}

// StopHeartbeat stops the loop, leaving the instance registered until its
// TTL runs out, and returns once the loop did (a heartbeat in flight is
// cancelled).
func (h *heartbeats) StopHeartbeat() error {
	h.loop.Stop()
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
