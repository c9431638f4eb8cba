package xclient

import (
	"context"
	"fmt"
	"sync/atomic"
)

// Balancer chooses the instance of each call. Implementations must be safe
// for concurrent use; Pick is on every call's path and should not block.
type Balancer interface {
	// Update replaces the endpoints to pick from: the instances of discovery
	// less the ejected ones. The XClient never modifies the slice afterwards,
	// so it may be kept. Updates are serialised; Update must not call back
	// into the XClient.
	Update(endpoints []*Endpoint)
	// Pick chooses an endpoint for a call with ctx. With no endpoints it
	// returns an error wrapping ErrNoInstances.
	Pick(ctx context.Context) (*Endpoint, error)
}

// Compile-time checks that the built-in balancers implement Balancer.
var (
	_ Balancer = (*randomBalancer)(nil)
	_ Balancer = (*roundRobinBalancer)(nil)
	_ Balancer = (*weightedBalancer)(nil)
	_ Balancer = (*hashBalancer)(nil)
	_ Balancer = (*p2cBalancer)(nil)
)

// newBalancer returns the built-in balancer of a mode.
func newBalancer(mode SelectMode, virtualNodes int, seed uint64) Balancer {
	switch mode {
	case RandomSelect:
		return NewRandomBalancer(seed)
	case RoundRobinSelect:
		return NewRoundRobinBalancer()
	case WeightedRoundRobinSelect:
		return NewWeightedBalancer()
	case ConsistentHashSelect:
		return NewConsistentHashBalancer(virtualNodes)
	case P2CSelect:
		return NewP2CBalancer(seed)
	}
	return failingBalancer{err: fmt.Errorf("%w %d", ErrUnknownMode, int(mode))}
}

// failingBalancer answers every Pick with an error.
type failingBalancer struct{ err error }

// Update implements Balancer.
func (f failingBalancer) Update([]*Endpoint) {}

// Pick implements Balancer.
func (f failingBalancer) Pick(context.Context) (*Endpoint, error) { return nil, f.err }

// endpointSet is the lock-free endpoint list of a balancer.
type endpointSet struct {
	eps atomic.Pointer[[]*Endpoint]
}

// Update implements Balancer.
func (s *endpointSet) Update(endpoints []*Endpoint) { s.eps.Store(&endpoints) }

// load returns the endpoints, or ErrNoInstances when there are none.
func (s *endpointSet) load() ([]*Endpoint, error) {
	p := s.eps.Load()
	if p == nil || len(*p) == 0 {
		return nil, ErrNoInstances
	}
	return *p, nil
}

// randomBalancer picks uniformly at random.
type randomBalancer struct {
	endpointSet
	rng *rng
}

// NewRandomBalancer returns a balancer that picks uniformly at random
// (RandomSelect). A seed of zero means an unseeded, lock-free generator.
func NewRandomBalancer(seed uint64) Balancer {
	return &randomBalancer{rng: newRNG(seed)}
}

// Pick implements Balancer.
func (b *randomBalancer) Pick(context.Context) (*Endpoint, error) {
	eps, err := b.load()
	if err != nil {
		return nil, err
	}
	return eps[b.rng.intN(len(eps))], nil
}

// roundRobinBalancer picks each endpoint in turn.
type roundRobinBalancer struct {
	endpointSet
	next atomic.Uint64
}

// NewRoundRobinBalancer returns a balancer that picks the endpoints in turn
// (RoundRobinSelect), starting at a random one as the original does.
func NewRoundRobinBalancer() Balancer {
	b := &roundRobinBalancer{}
	b.next.Store(newRNG(0).uint64() >> 1)
	return b
}

// Pick implements Balancer.
func (b *roundRobinBalancer) Pick(context.Context) (*Endpoint, error) {
	eps, err := b.load()
	if err != nil {
		return nil, err
	}
	n := b.next.Add(1) - 1
	return eps[n%uint64(len(eps))], nil
}
