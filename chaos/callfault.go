package chaos

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
	geecluster "github.com/geerpclab/geerpc/cluster"
	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/internal/pause"
)

// CallFault is a per-call fault on one instance's services.
type CallFault struct {
	Type     scenario.FaultType // a call fault: delay, abort, drop_reply or drop_request
	Fraction float64            // share of calls hit, 0..1
	Delay    time.Duration      // FaultDelay: added before the method runs
}

// CallStats counts what a CallInjector did. It is the cluster package's
// type, which also carries the counts of a geerpc serve child's injector.
type CallStats = geecluster.CallStats

// CallInjector applies call faults to the calls of one instance, as a server
// middleware would. Whether a fault hits a call is a hash of the seed, the
// fault's id, the call's key and how often that key was seen, so a run
// replays from its seed: Echo calls are keyed by their nonce (and a retry of
// the same nonce draws anew), other calls by their arrival order.
//
// It works as the server's middleware (Interceptor). What a caller can
// observe: a delay adds its time before the method runs; an abort answers a
// geerpc.ServerError with ErrInjectedAbort's text and does not run the
// method; a dropped reply runs the method and sends no reply at all
// (geerpc.ErrNoReply), so the caller times out at its deadline; a dropped
// request does the same without running the method. It is safe for
// concurrent use.
type CallInjector struct {
	seed uint64

	mu       sync.Mutex // protects following
	faults   map[int]CallFault
	seen     map[uint64]uint32 // occurrences of each key while faults are active
	arrivals uint64
	dropped  map[uint64]scenario.FaultType
	stats    CallStats
}

// NewCallInjector returns an injector with no active fault.
func NewCallInjector(seed uint64) *CallInjector {
	return &CallInjector{seed: seed, faults: map[int]CallFault{}, seen: map[uint64]uint32{}, dropped: map[uint64]scenario.FaultType{}}
}

// Set activates f under id, replacing any fault of that id.
func (c *CallInjector) Set(id int, f CallFault) error {
	if f.Type.Class() != scenario.ClassCall || math.IsNaN(f.Fraction) || f.Fraction < 0 || f.Fraction > 1 {
		return fmt.Errorf("%w: not a call fault: %+v", ErrFault, f)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faults[id] = f
	return nil
}

// Reseed makes the draws use seed, as if the injector had been made with
// it, for an injector made before its seed was known (geerpc serve
// -faults learns it with the first fault). It fails while a fault is
// active.
func (c *CallInjector) Reseed(seed uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.faults) > 0 {
		return fmt.Errorf("%w: reseed with %d faults active", ErrFault, len(c.faults))
	}
	c.seed = seed
	return nil
}

// Remove deactivates the fault of id.
func (c *CallInjector) Remove(id int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.faults, id)
}

// Clear deactivates every fault.
func (c *CallInjector) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.faults)
}

// Stats returns the counts so far.
func (c *CallInjector) Stats() CallStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Dropped returns the keys (Echo nonces) of the calls whose reply or request
// was dropped, with the fault that did it.
func (c *CallInjector) Dropped() map[uint64]scenario.FaultType {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[uint64]scenario.FaultType, len(c.dropped))
	for k, v := range c.dropped {
		out[k] = v
	}
	return out
}

// plan is what the faults do to one call.
type plan struct {
	delay                time.Duration
	abort, dropReq, drop bool
}

// plan draws the faults of one call; keyed says whether key identifies it.
func (c *CallInjector) plan(key uint64, keyed bool) plan {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats.Calls++
	c.arrivals++
	if !keyed {
		key = c.arrivals
	}
	var p plan
	if len(c.faults) == 0 {
		return p
	}
	n := c.seen[key]
	c.seen[key] = n + 1
	for id, f := range c.faults {
		if uniform(c.seed, uint64(id), key, uint64(n)) < f.Fraction {
			p.add(f)
		}
	}
	c.count(p, key, keyed)
	return p
}

// add adds the effect of f to p.
func (p *plan) add(f CallFault) {
	switch f.Type {
	case scenario.FaultDelay:
		p.delay += f.Delay
	case scenario.FaultAbort:
		p.abort = true
	case scenario.FaultDropReply:
		p.drop = true
	case scenario.FaultDropRequest:
		p.dropReq = true
	}
}

// count records p in the stats; c.mu must be held.
func (c *CallInjector) count(p plan, key uint64, keyed bool) {
	if p.delay > 0 {
		c.stats.Delayed++
	}
	switch {
	case p.dropReq:
		c.stats.RequestsDropped++
		if keyed {
			c.dropped[key] = scenario.FaultDropRequest
		}
	case p.abort:
		c.stats.Aborted++
	case p.drop:
		c.stats.RepliesDropped++
		if keyed {
			c.dropped[key] = scenario.FaultDropReply
		}
	}
}

// Do runs one call through the active faults: run is the method, stop ends
// a delay early (the instance is stopping). A dropped reply or request
// returns an error wrapping geerpc.ErrNoReply, so that no reply is sent.
func (c *CallInjector) Do(ctx context.Context, key uint64, keyed bool, stop <-chan struct{}, run func() error) error {
	p := c.plan(key, keyed)
	if p.delay > 0 && !pause.ForOr(ctx, stop, p.delay) {
		return fmt.Errorf("geerpc: chaos: delayed call ended: %w", context.Cause(ctx))
	}
	switch {
	case p.dropReq:
		return fmt.Errorf("%w: %w", ErrRequestDropped, geerpc.ErrNoReply)
	case p.abort:
		return ErrInjectedAbort
	}
	c.mu.Lock()
	c.stats.Executed++
	c.mu.Unlock()
	err := run()
	if p.drop {
		return fmt.Errorf("%w: %w", ErrReplyDropped, geerpc.ErrNoReply)
	}
	return err
}

// uniform returns a uniform number in [0, 1) from its inputs (splitmix64).
func uniform(seed, id, key, n uint64) float64 {
	x := seed ^ id*0x9e3779b97f4a7c15 ^ key*0xbf58476d1ce4e5b9 ^ n*0x94d049bb133111eb
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}
