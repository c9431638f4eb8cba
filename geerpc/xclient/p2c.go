package xclient

import "context"

// p2cBalancer is power of two choices: it draws two endpoints at random and
// takes the one of clearly lower cost (see tieBand), where cost is the
// peak-EWMA latency times the calls in flight plus one.
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
	if eps[j].cost(now)*(1+tieBand) < eps[i].cost(now) {
		return eps[j], nil
	}
	return eps[i], nil
}

// tieBand is how much cheaper the second draw must be to win over the
// first: costs within a factor 2 are a tie, which the first (random)
// draw wins. At low concurrency no call is in flight when P2C picks, so
// the cost is the latency estimate alone; without the band, equal
// instances were ranked by noise and the last of the ranking got no call
// at all (a restarted instance 0% for seconds in chaos runs). A slow
// instance costs many times more and still loses every draw.
const tieBand = 1
