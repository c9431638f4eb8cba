package xclient

import (
	"context"
	"testing"
	"time"
)

func TestRetryBudget(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ratio float64
		burst int
		calls int
		want  int // retries granted when every call asks for one
	}{
		{name: "burst-then-ratio", ratio: 0.1, burst: 5, calls: 1000, want: 5 + 100},
		{name: "no-burst", ratio: 0.25, burst: 1, calls: 400, want: 1 + 100},
		{name: "unlimited", ratio: -1, burst: 0, calls: 50, want: 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newRetryBudget(tc.ratio, tc.burst)
			granted := 0
			for range tc.calls {
				if b.withdraw() {
					granted++
				}
				b.deposit()
			}
			// the last deposit may not have been spent yet
			if granted < tc.want-1 || granted > tc.want {
				t.Fatalf("granted %d retries, want %d", granted, tc.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	r := newRNG(3)
	for _, tc := range []struct {
		name          string
		n             int
		base, limit   time.Duration
		lowest, upper time.Duration
	}{
		{name: "first", n: 0, base: 10 * time.Millisecond, limit: time.Second, lowest: 5 * time.Millisecond, upper: 10 * time.Millisecond},
		{name: "third", n: 2, base: 10 * time.Millisecond, limit: time.Second, lowest: 20 * time.Millisecond, upper: 40 * time.Millisecond},
		{name: "capped", n: 30, base: 10 * time.Millisecond, limit: time.Second, lowest: 500 * time.Millisecond, upper: time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := make(map[time.Duration]bool)
			for range 200 {
				d := backoffDelay(tc.base, tc.limit, tc.n, r)
				if d < tc.lowest || d > tc.upper {
					t.Fatalf("backoff %v outside [%v, %v]", d, tc.lowest, tc.upper)
				}
				seen[d] = true
			}
			if len(seen) < 50 {
				t.Fatalf("only %d distinct waits in 200: no jitter", len(seen))
			}
		})
	}
}

func TestSleepRespectsDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if sleep(ctx, time.Hour) {
		t.Fatal("sleep past the deadline must give up")
	}
	if !sleep(context.Background(), time.Microsecond) {
		t.Fatal("a short sleep without deadline must complete")
	}
}
