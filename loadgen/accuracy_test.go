package loadgen

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// The accuracy tests assert what the tool reports, against fakes whose true
// behaviour is known. Server-backed variants are in server_test.go.

// TestAccuracyFixedServiceTime: against a fixed 10ms service time the
// reported p50 is within 10ms..11.5ms, in both loops.
func TestAccuracyFixedServiceTime(t *testing.T) {
	tests := []struct {
		name string
		o    Options
	}{
		{name: "closed", o: Options{Concurrency: 4, InFlight: 2, Duration: time.Second}},
		{name: "open", o: Options{Pacer: ConstantPacer{PerSecond: 400}, Duration: time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Targets = []Target{SleepTarget(0)}
			retry(t, func() error {
				m := mustRun(t, context.Background(), &fakeInvoker{latency: 10 * time.Millisecond}, tt.o)
				return checkP50(t, m, 10*time.Millisecond, 11500*time.Microsecond)
			})
		})
	}
}

// checkP50 returns an error unless the reported p50 is within lo..hi.
func checkP50(t *testing.T, m *Metrics, lo, hi time.Duration) error {
	t.Logf("p50 %v p99 %v over %d calls, lag p50 %v p99 %v", m.Latency.P50, m.Latency.P99, m.Calls, m.Lag.P50, m.Lag.P99)
	if m.Calls < 100 || m.Latency.P50 < lo || m.Latency.P50 > hi {
		return fmt.Errorf("p50 %v over %d calls (lag p50 %v), want %v..%v", m.Latency.P50, m.Calls, m.Lag.P50, lo, hi)
	}
	return nil
}

// TestAccuracyStall: open loop at 1,000 calls/s for 3s against a server
// that stalls once for 1s reports p99 >= 500ms, with unbounded workers and
// with a worker cap too small to cover the stall (then calls are late, and
// still timed from their due time). A closed loop, uncorrected, hides the
// stall: that is the contrast the correction exists for.
func TestAccuracyStall(t *testing.T) {
	tests := []struct {
		name     string
		o        Options
		wantP99  func(time.Duration) bool
		wantLate bool
	}{
		{name: "open", o: Options{Pacer: ConstantPacer{PerSecond: 1000}}, wantP99: atLeast500ms},
		{name: "open capped", o: Options{Pacer: ConstantPacer{PerSecond: 1000}, MaxWorkers: 20}, wantP99: atLeast500ms, wantLate: true},
		{name: "closed hides it", o: Options{Concurrency: 1}, wantP99: func(d time.Duration) bool { return d < 100*time.Millisecond }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.o.Targets, tt.o.Duration = []Target{EchoTarget(8)}, 3*time.Second
			retry(t, func() error {
				inv := &stallInvoker{inner: &fakeInvoker{latency: time.Millisecond}, from: time.Second, to: 2 * time.Second}
				m := mustRun(t, context.Background(), inv, tt.o)
				switch {
				case !tt.wantP99(m.Latency.P99) || m.Latency.Max < 900*time.Millisecond:
					return fmt.Errorf("p99 %v max %v over %d calls", m.Latency.P99, m.Latency.Max, m.Calls)
				case (m.Late > 0) != tt.wantLate:
					return fmt.Errorf("late %d, want late calls: %v", m.Late, tt.wantLate)
				}
				return checkStallTimeline(m, tt.o.Pacer != nil)
			})
		})
	}
}

func atLeast500ms(d time.Duration) bool { return d >= 500*time.Millisecond }

// checkStallTimeline checks that the stall shows in the timeline (an
// interval whose max is near a second) and that the open loop measured every
// call due.
func checkStallTimeline(m *Metrics, open bool) error {
	var worst time.Duration
	for _, iv := range m.Timeline {
		worst = max(worst, iv.Max)
	}
	if worst < 900*time.Millisecond {
		return fmt.Errorf("timeline max %v misses the stall: %+v", worst, m.Timeline)
	}
	if open && m.Calls != 3000 {
		return fmt.Errorf("open loop measured %d calls, want all 3000 due", m.Calls)
	}
	return nil
}

// TestAccuracyRate: when the invoker keeps up, the achieved rate is within 1%
// of the target and every due call is sent.
func TestAccuracyRate(t *testing.T) {
	tests := []struct {
		name  string
		pacer Pacer
		rate  float64
		calls int64
	}{
		{name: "1000/s", pacer: ConstantPacer{PerSecond: 1000}, rate: 1000, calls: 2000},
		{name: "5000/s", pacer: ConstantPacer{PerSecond: 5000}, rate: 5000, calls: 10000},
		{name: "ramp", pacer: LinearPacer{From: 500, To: 1500, Over: 2 * time.Second}, rate: 1000, calls: 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			retry(t, func() error {
				m := mustRun(t, context.Background(), &fakeInvoker{}, Options{
					Targets: []Target{EchoTarget(8)}, Pacer: tt.pacer, Duration: 2 * time.Second,
				})
				t.Logf("rate %.2f/s over %d calls, lag p99 %v", m.Rate, m.Calls, m.Lag.P99)
				if !within(m.Rate, tt.rate, 0.01) || m.Calls != tt.calls || m.Unsent != 0 {
					return fmt.Errorf("rate %.2f/s over %d calls (unsent %d), want %v/s over %d", m.Rate, m.Calls, m.Unsent, tt.rate, tt.calls)
				}
				return nil
			})
		})
	}
}

// TestAccuracyShares: per-instance shares add up to the total, and each
// instance's share is what the invoker gave it.
func TestAccuracyShares(t *testing.T) {
	inv := &fakeInvoker{instances: []string{"tcp@127.0.0.1:1", "tcp@127.0.0.1:2", "tcp@127.0.0.1:3", "tcp@127.0.0.1:4"}}
	m := mustRun(t, context.Background(), inv, Options{
		Targets: []Target{EchoTarget(8)}, Count: 4000, Concurrency: 8, InFlight: 2,
	})
	checkShares(t, m)
	for _, g := range m.Instances {
		if g.Calls != 1000 || g.Share != 0.25 {
			t.Fatalf("instance %+v, want 1000 calls, share 0.25", g)
		}
	}
}

// TestAccuracyNonces: every nonce sent comes back exactly once.
func TestAccuracyNonces(t *testing.T) {
	for _, o := range []Options{
		{Concurrency: 8, InFlight: 4, Count: 5000},
		{Pacer: ConstantPacer{PerSecond: 5000}, Count: 5000},
	} {
		o.Targets = []Target{EchoTarget(16)}
		checkNonces(t, &fakeInvoker{}, o)
	}
}

// checkNonces runs o and asserts that each sequence number 0..Count-1 came
// back exactly once, OK.
func checkNonces(t *testing.T, inv Invoker, o Options) {
	t.Helper()
	seen := make([]atomicCounter, o.Count)
	o.Observe = func(r Result) {
		if r.Outcome == OutcomeOK && r.Seq < uint64(len(seen)) {
			seen[r.Seq].add()
		}
	}
	m := mustRun(t, context.Background(), inv, o)
	for i := range seen {
		if n := seen[i].get(); n != 1 {
			t.Fatalf("nonce %d came back %d times", i, n)
		}
	}
	if m.OK != int64(o.Count) || m.Outcomes[OutcomeInvalid].Calls != 0 {
		t.Fatalf("ok %d of %d, invalid %d", m.OK, o.Count, m.Outcomes[OutcomeInvalid].Calls)
	}
}
