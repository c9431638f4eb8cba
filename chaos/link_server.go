package chaos

import (
	"context"
	"errors"
	"fmt"
	"sync"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"

	"github.com/geerpclab/geerpc/chaos/scenario"
	geecluster "github.com/geerpclab/geerpc/cluster"
)

// serverLink is a proxy of a Toxiproxy server in front of an instance,
// driven over the server's API (every call under geecluster.LinkTimeout). It
// carries the same faults as LinkProxy, with the same care: a cut (blackhole
// or reset) is removed with the proxy disabled, so no data flows meanwhile.
type serverLink struct {
	links *geecluster.Links
	name  string // the proxy's name: the instance's
	addr  string

	mu     sync.Mutex // protects following
	down   bool       // a down fault is active
	toxics map[string]bool
}

// Addr implements link.
func (sl *serverLink) Addr() string { return sl.addr }

// Apply implements link.
func (sl *serverLink) Apply(f LinkFault) error {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	ctx := context.Background()
	if f.Type == scenario.FaultDown {
		sl.down = true
		return sl.links.SetEnabled(ctx, sl.name, false)
	}
	for _, stream := range streams(f.Direction) {
		t, err := toxicOf(f, stream)
		if err != nil {
			return err
		}
		if err := sl.links.AddToxic(ctx, sl.name, t); err != nil {
			return fmt.Errorf("%w: %w", ErrFault, err)
		}
		sl.toxics[t.Name] = true
	}
	return nil
}

// Clear implements link.
func (sl *serverLink) Clear(f LinkFault) error {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	ctx := context.Background()
	if f.Type == scenario.FaultDown {
		sl.down = false
		return sl.links.SetEnabled(ctx, sl.name, true)
	}
	cut := f.Type == scenario.FaultBlackhole || f.Type == scenario.FaultReset
	var errs []error
	if cut {
		errs = append(errs, sl.links.SetEnabled(ctx, sl.name, false))
	}
	for _, stream := range streams(f.Direction) {
		if name := toxicName(f.Type, stream); sl.toxics[name] {
			delete(sl.toxics, name)
			errs = append(errs, sl.links.RemoveToxic(ctx, sl.name, name))
		}
	}
	if cut && !sl.down {
		errs = append(errs, sl.links.SetEnabled(ctx, sl.name, true))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: clear %s on %s: %w", ErrFault, f.Type, sl.name, err)
	}
	return nil
}

// Restore implements link.
func (sl *serverLink) Restore() error {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if len(sl.toxics) == 0 && !sl.down {
		return nil // a user's proxy is left alone when nothing was done to it
	}
	ctx := context.Background()
	errs := []error{sl.links.SetEnabled(ctx, sl.name, false)}
	for name := range sl.toxics {
		errs = append(errs, sl.links.RemoveToxic(ctx, sl.name, name))
	}
	clear(sl.toxics)
	sl.down = false
	return errors.Join(append(errs, sl.links.SetEnabled(ctx, sl.name, true))...)
}

// Stop implements link.
func (sl *serverLink) Stop() {
	_ = sl.links.SetEnabled(context.Background(), sl.name, false)
}

// Start implements link.
func (sl *serverLink) Start() error {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if sl.down {
		return nil
	}
	return sl.links.SetEnabled(context.Background(), sl.name, true)
}

// Close implements link: the toxics go; Links.Close deletes the proxy.
func (sl *serverLink) Close() { _ = sl.Restore() }

// toxicOf returns f's toxic on stream, always with toxicity 1.
func toxicOf(f LinkFault, stream string) (toxiclient.Toxic, error) {
	t := toxiclient.Toxic{Name: toxicName(f.Type, stream), Stream: stream, Toxicity: 1}
	switch f.Type {
	case scenario.FaultLatency:
		t.Type, t.Attributes = "latency", toxiclient.Attributes{"latency": f.Latency.Milliseconds(), "jitter": f.Jitter.Milliseconds()}
	case scenario.FaultBandwidth:
		t.Type, t.Attributes = "bandwidth", toxiclient.Attributes{"rate": f.RateKB}
	case scenario.FaultBlackhole:
		t.Type, t.Attributes = "timeout", toxiclient.Attributes{"timeout": 0}
	case scenario.FaultReset:
		t.Type, t.Attributes = "reset_peer", toxiclient.Attributes{"timeout": 0}
	default:
		return t, fmt.Errorf("%w: %q is not a link fault", ErrFault, f.Type)
	}
	return t, nil
}
