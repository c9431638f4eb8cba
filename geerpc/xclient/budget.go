package xclient

import (
	"context"
	"sync/atomic"
	"time"
)

// milli is the fixed-point unit of retry tokens: one retry costs 1000.
const milli = 1000

// retryBudget is a token bucket: every call deposits ratio tokens, every
// retry or hedge withdraws one, so retries stay under ratio of calls once
// the initial burst is spent.
type retryBudget struct {
	unlimited bool
	perCall   int64 // milli-tokens deposited by a call
	capacity  int64 // milli-tokens the bucket holds at most
	tokens    atomic.Int64
}

func newRetryBudget(ratio float64, burst int) *retryBudget {
	if ratio < 0 {
		return &retryBudget{unlimited: true}
	}
	b := &retryBudget{perCall: int64(ratio * milli), capacity: int64(burst) * milli}
	b.tokens.Store(b.capacity)
	return b
}

// deposit credits one call.
func (b *retryBudget) deposit() {
	if b.unlimited {
		return
	}
	for {
		t := b.tokens.Load()
		if t >= b.capacity {
			return
		}
		if b.tokens.CompareAndSwap(t, min(t+b.perCall, b.capacity)) {
			return
		}
	}
}

// withdraw takes one retry's worth; it reports false when the budget is spent.
func (b *retryBudget) withdraw() bool {
	if b.unlimited {
		return true
	}
	for {
		t := b.tokens.Load()
		if t < milli {
			return false
		}
		if b.tokens.CompareAndSwap(t, t-milli) {
			return true
		}
	}
}

// backoff returns the wait before retry number n (0 for the first retry):
// base doubled n times, capped at limit, with "equal jitter": a random
// point in the upper half, so retries spread out but never bunch at zero.
func backoff(base, limit time.Duration, n int, r *rng) time.Duration {
	d := base
	for i := 0; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + time.Duration(r.intN(int(half)+1))
}

// sleep waits d or until ctx ends. It returns false at once, without
// waiting, when ctx's deadline comes before d ends: a retry could not finish
// in time anyway.
func sleep(ctx context.Context, d time.Duration) bool {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= d {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
