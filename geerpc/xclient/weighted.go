package xclient

import (
	"context"
	"sync"
)

// weightedBalancer is nginx's smooth weighted round robin: over any window
// of total-weight picks each endpoint gets exactly its weight, interleaved
// rather than in bursts.
type weightedBalancer struct {
	mu      sync.Mutex // protects following
	eps     []*Endpoint
	current []int
	total   int
}

// NewWeightedBalancer returns a smooth weighted round robin balancer
// (WeightedRoundRobinSelect). Weights come from Endpoint.Weight, that is
// from a Discovery implementing WeightedDiscovery; otherwise all are 1.
func NewWeightedBalancer() Balancer { return &weightedBalancer{} }

// Update implements Balancer.
func (b *weightedBalancer) Update(endpoints []*Endpoint) {
	total := 0
	for _, e := range endpoints {
		total += e.Weight()
	}
	b.mu.Lock()
	b.eps, b.current, b.total = endpoints, make([]int, len(endpoints)), total
	b.mu.Unlock()
}

// Pick implements Balancer.
func (b *weightedBalancer) Pick(context.Context) (*Endpoint, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.eps) == 0 {
		return nil, ErrNoInstances
	}
	best := 0
	for i, e := range b.eps {
		b.current[i] += e.Weight()
		if b.current[i] > b.current[best] {
			best = i
		}
	}
	b.current[best] -= b.total
	return b.eps[best], nil
}
