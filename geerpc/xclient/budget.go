package xclient

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/geerpclab/geerpc/geerpc/internal/backoff"
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

// backoffDelay returns the wait before retry number n (0 for the first
// retry), drawn from r so that a seeded client replays.
func backoffDelay(base, limit time.Duration, n int, r *rng) time.Duration {
	return backoff.Delay(base, limit, n, func(k int64) int64 { return int64(r.intN(int(k))) })
}

// sleep waits d or until ctx ends. It returns false at once, without
// waiting, when ctx's deadline comes before d ends: a retry could not finish
// in time anyway.
func sleep(ctx context.Context, d time.Duration) bool {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= d {
		return false
	}
	return backoff.Sleep(ctx, d)
}
