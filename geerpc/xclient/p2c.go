package xclient

import "context"

// p2cBalancer is power of two choices: it draws two endpoints at random and
// takes the one of lower cost, where cost is the peak-EWMA latency times the
// calls in flight plus one.
type p2cBalancer struct {
	endpointSet
	rng *rng
	now func() int64 // nanotime, or a test's clock
}

// NewP2CBalancer returns a power-of-two-choices balancer on in-flight calls
// and peak-EWMA latency (P2CSelect). A seed of zero means an unseeded,
// lock-free generator.
func NewP2CBalancer(seed uint64) Balancer { return &p2cBalancer{rng: newRNG(seed), now: nanotime} }

// Pick implements Balancer.
func (b *p2cBalancer) Pick(context.Context) (*Endpoint, error) {
	eps, err := b.load()
	if err != nil {
		return nil, err
	}
	n := len(eps)
	if n == 1 {
		return eps[0], nil
	}
	i := b.rng.intN(n)
	j := b.rng.intN(n - 1)
	if j >= i {
		j++
	}
	now := b.now()
	if eps[j].cost(now) < eps[i].cost(now) {
		return eps[j], nil
	}
	return eps[i], nil
}
