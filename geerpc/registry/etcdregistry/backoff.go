package etcdregistry

import (
	"context"
	"time"

	"github.com/geerpclab/geerpc/geerpc/internal/backoff"
)

// retrier counts consecutive failures and waits jittered exponential
// delays between min and max after each.
type retrier struct {
	min, max time.Duration
	failures int
}

// newBackoff returns a retrier from lo to hi; zero means the defaults.
func newBackoff(lo, hi time.Duration) *retrier {
	lo = orDuration(lo, DefaultMinBackoff)
	hi = max(orDuration(hi, DefaultMaxBackoff), lo)
	return &retrier{min: lo, max: hi}
}

// delay returns the next delay: uniform in [d/2, d] where d doubles on each
// call up to max.
func (b *retrier) delay() time.Duration {
	d := backoff.Delay(b.min, b.max, b.failures, nil)
	b.failures++
	return d
}

// reset starts the delays again from min.
func (b *retrier) reset() { b.failures = 0 }

// wait sleeps for the next delay; it returns false as soon as ctx ends.
func (b *retrier) wait(ctx context.Context) bool {
	return backoff.Sleep(ctx, b.delay())
}
