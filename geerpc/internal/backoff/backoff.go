// Package backoff computes exponential retry delays with jitter and waits them out.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Delay returns the wait before retry n (0 for the first): base doubled n
// times, at most limit, with "equal jitter": a random point in the upper
// half, so retries spread out but never bunch at zero. intN returns a
// number in [0, n); nil means math/rand/v2.
func Delay(base, limit time.Duration, n int, intN func(int64) int64) time.Duration {
	d := base
	for i := 0; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	half := d / 2
	if half <= 0 {
		return d
	}
	if intN == nil {
		intN = rand.Int64N
	}
	return half + time.Duration(intN(int64(d-half)+1))
}

// Sleep waits d or until ctx ends; it reports whether d passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
