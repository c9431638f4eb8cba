package etcdregistry

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoff yields jittered exponential delays between min and max.
type backoff struct {
	min, max time.Duration
	next     time.Duration
}

// newBackoff returns a backoff from lo to hi; zero means the defaults.
func newBackoff(lo, hi time.Duration) *backoff {
	lo = orDuration(lo, DefaultMinBackoff)
	hi = max(orDuration(hi, DefaultMaxBackoff), lo)
	return &backoff{min: lo, max: hi, next: lo}
}

// delay returns the next delay, drawn uniformly from [d/2, d] where d
// doubles on each call up to max.
func (b *backoff) delay() time.Duration {
	d := b.next
	b.next = min(2*b.next, b.max)
	return d/2 + rand.N(d/2+1)
}

// reset starts the delays again from min.
func (b *backoff) reset() { b.next = b.min }

// wait sleeps for the next delay; it returns false as soon as ctx ends.
func (b *backoff) wait(ctx context.Context) bool {
	t := time.NewTimer(b.delay())
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
