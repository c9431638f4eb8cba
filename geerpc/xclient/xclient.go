package xclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/geerpclab/geerpc/geerpc"
)

// XClient calls the instances found by a Discovery, choosing one per call
// with a Balancer and retrying by a FailMode. It keeps one connection per
// instance, redials broken ones, closes those of instances that left
// discovery, and ejects instances that keep failing. It is safe for
// concurrent use.
type XClient struct {
	d      Discovery
	wd     WeightedDiscovery // d, when it carries weights; else nil
	opt    Options
	bal    Balancer
	dialFn dialFunc
	budget *retryBudget
	rng    *rng
	log    *slog.Logger

	ctx    context.Context // ends at Close; bounds dials
	cancel context.CancelFunc
	dials  sync.WaitGroup // dial goroutines
	closed atomic.Bool

	// view is the current instances; replaced whole, under mu.
	view atomic.Pointer[view]
	// probeAt is the nanotime when the next ejected instance is due for a
	// trial, noProbe when none is; written under mu.
	probeAt atomic.Int64
	// clock, when set by tests, replaces nanotime for ejections and trials.
	clock func() int64

	mu sync.Mutex // serialises changes of view, ejections and Close
}

var _ io.Closer = (*XClient)(nil)

// view is an immutable snapshot of discovery's instances.
type view struct {
	eps    []*Endpoint // in discovery's order, ejected ones included
	byAddr map[string]*Endpoint
}

// NewXClient returns an XClient over d that balances by mode and dials with
// opt (nil means geerpc.DefaultOption), failing fast: the original's
// constructor. NewXClientWithOptions gives the other settings.
func NewXClient(d Discovery, mode SelectMode, opt *geerpc.Option) *XClient {
	return NewXClientWithOptions(d, Options{Mode: mode, DialOption: opt})
}

// NewXClientWithOptions is like NewXClient but configured by o; the zero
// Options mean random balancing, failfast and geerpc.DefaultOption.
//
// NewXClientWithOptions returns an XClient over d configured by o.
func NewXClientWithOptions(d Discovery, o Options) *XClient {
	o = o.withDefaults()
	x := &XClient{d: d, opt: o, bal: o.Balancer, log: o.Logger, rng: newRNG(o.Seed)}
	x.wd, _ = d.(WeightedDiscovery)
	x.dialFn = o.coreDial()
	x.budget = newRetryBudget(o.RetryRatio, o.RetryBurst)
	x.ctx, x.cancel = context.WithCancel(context.Background())
	x.view.Store(&view{})
	x.probeAt.Store(noProbe)
	return x
}

// Close closes every connection; calls in flight fail and later calls
// return ErrClosed. It does not close the Discovery.
func (x *XClient) Close() error {
	x.mu.Lock()
	if x.closed.Swap(true) {
		x.mu.Unlock()
		return nil
	}
	v := x.view.Swap(&view{})
	x.mu.Unlock()
	x.cancel()
	for _, e := range v.eps {
		e.removed.Store(true)
		e.closeClient()
	}
	x.dials.Wait()
	return nil
}

// refresh brings the view up to date with discovery. When discovery fails
// (other than with ErrNoInstances) but instances are known, they stay in
// use.
func (x *XClient) refresh() error {
	v := x.view.Load()
	var insts []Instance
	var err error
	if x.wd != nil {
		insts, err = x.wd.GetAllWeighted()
		if err == nil && v.sameInstances(insts) {
			return nil
		}
	} else {
		var addrs []string
		addrs, err = x.d.GetAll()
		if err == nil && v.sameAddrs(addrs) {
			return nil
		}
		insts = toInstances(addrs)
	}
	if errors.Is(err, ErrNoInstances) { // authoritative: none left
		insts, err = nil, nil
	}
	if err != nil {
		if len(v.eps) > 0 {
			x.log.Debug("xclient: discovery failed, keeping known instances", "err", err)
			return nil
		}
		return fmt.Errorf("geerpc: discovery: %w", err)
	}
	return x.rebuild(insts)
}

func toInstances(addrs []string) []Instance {
	insts := make([]Instance, len(addrs))
	for i, a := range addrs {
		insts[i] = Instance{Addr: a, Weight: 1}
	}
	return insts
}

func (v *view) sameAddrs(addrs []string) bool {
	if len(addrs) != len(v.eps) {
		return false
	}
	for i, e := range v.eps {
		if e.addr != addrs[i] || e.weight != 1 {
			return false
		}
	}
	return true
}

func (v *view) sameInstances(insts []Instance) bool {
	if len(insts) != len(v.eps) {
		return false
	}
	for i, e := range v.eps {
		if e.addr != insts[i].Addr || e.weight != max(insts[i].Weight, 1) {
			return false
		}
	}
	return true
}

// rebuild installs a new view of insts, keeping the endpoints (and
// connections) of instances still there and retiring the others.
func (x *XClient) rebuild(insts []Instance) error {
	x.mu.Lock()
	if x.closed.Load() {
		x.mu.Unlock()
		return ErrClosed
	}
	old := x.view.Load()
	if old.sameInstances(insts) { // another call got there first
		x.mu.Unlock()
		return nil
	}
	nv := newView(old, insts)
	gone := x.install(old, nv)
	x.mu.Unlock()
	for _, e := range gone {
		e.retire()
	}
	if len(nv.eps) == 0 {
		return ErrNoInstances
	}
	return nil
}

// newView returns the view of insts, reusing the endpoints of old for the
// instances it has with the same weight, and dropping duplicates.
func newView(old *view, insts []Instance) *view {
	nv := &view{byAddr: make(map[string]*Endpoint, len(insts))}
	for _, in := range insts {
		if _, dup := nv.byAddr[in.Addr]; dup {
			continue
		}
		e := old.byAddr[in.Addr]
		if e == nil || e.weight != max(in.Weight, 1) {
			e = NewEndpoint(in.Addr, in.Weight)
		}
		nv.eps = append(nv.eps, e)
		nv.byAddr[in.Addr] = e
	}
	return nv
}

// install publishes nv and returns the endpoints of old not in it; x.mu
// must be held.
func (x *XClient) install(old, nv *view) []*Endpoint {
	var gone []*Endpoint
	for _, e := range old.eps {
		if nv.byAddr[e.addr] != e {
			gone = append(gone, e)
			x.log.Debug("xclient: instance left discovery", "addr", e.addr)
		}
	}
	// the balancer first: a call that sees the new view must find it there
	x.publish(nv)
	x.view.Store(nv)
	return gone
}

// publish gives the balancer the instances not ejected (all of them when
// every one is); x.mu must be held.
func (x *XClient) publish(v *view) {
	active := make([]*Endpoint, 0, len(v.eps))
	for _, e := range v.eps {
		if !e.ejected.Load() {
			active = append(active, e)
		}
	}
	if len(active) == 0 {
		active = v.eps
	}
	x.bal.Update(active)
}
