package chaos

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/geerpclab/geerpc/geerpc/xclient"
)

// clock measures offsets from the start of the load.
type clock struct{ t0 time.Time }

func (c *clock) now() time.Duration { return time.Since(c.t0) }

// ViewChange is a change of the set of instances a client could pick: the
// balancer's endpoints (discovery less ejected ones) or discovery's list.
type ViewChange struct {
	At        time.Duration `json:"at_ns"` // from the start of the load; negative before it
	Instances []string      `json:"instances"`
}

// recBalancer wraps a client's balancer and records what it was given and
// what it picked: every attempt goes through Pick, so picks are the traffic
// each instance was sent, retries included.
type recBalancer struct {
	inner xclient.Balancer
	clk   *clock
	names map[string]string

	mu    sync.Mutex // protects following
	views []ViewChange
	picks map[string][]time.Duration
}

var _ xclient.Balancer = (*recBalancer)(nil)

func newRecBalancer(inner xclient.Balancer, clk *clock, names map[string]string) *recBalancer {
	return &recBalancer{inner: inner, clk: clk, names: names, picks: map[string][]time.Duration{}}
}

// Update implements xclient.Balancer.
func (b *recBalancer) Update(eps []*xclient.Endpoint) {
	b.inner.Update(eps)
	names := make([]string, len(eps))
	for i, e := range eps {
		names[i] = b.name(e.Addr())
	}
	slices.Sort(names)
	b.mu.Lock()
	b.views = append(b.views, ViewChange{At: b.clk.now(), Instances: names})
	b.mu.Unlock()
}

// Pick implements xclient.Balancer.
func (b *recBalancer) Pick(ctx context.Context) (*xclient.Endpoint, error) {
	e, err := b.inner.Pick(ctx)
	if err == nil {
		at := b.clk.now()
		name := b.name(e.Addr())
		b.mu.Lock()
		b.picks[name] = append(b.picks[name], at)
		b.mu.Unlock()
	}
	return e, err
}

func (b *recBalancer) name(addr string) string {
	if n, ok := b.names[addr]; ok {
		return n
	}
	return addr
}

// snapshot returns the views and picks recorded.
func (b *recBalancer) snapshot() ([]ViewChange, map[string][]time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	picks := make(map[string][]time.Duration, len(b.picks))
	for k, v := range b.picks {
		picks[k] = slices.Clone(v)
	}
	return slices.Clone(b.views), picks
}

// watchMembers polls each discovery every 10ms until ctx ends and records
// the changes of its list, so evictions are timed to within a poll.
func watchMembers(ctx context.Context, vs []*variant) {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		for _, v := range vs {
			v.pollMembers()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
