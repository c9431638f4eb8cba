package chaos

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/geerpctest"
)

// faulty serves the chaos-wrapped demo services with inj and returns a
// client of them.
func faulty(t *testing.T, inj *CallInjector) *geerpc.Client {
	t.Helper()
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	srv, err := newFaultyServer(demo.New(demo.Config{Instance: "x"}), inj, 0, stop)
	if err != nil {
		t.Fatal(err)
	}
	c, err := geerpc.XDial("tcp@" + geerpctest.Serve(t, srv, geerpctest.Listen(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// timedEcho makes one Echo call with nonce n and the timeout, and returns
// how long it took and when its deadline was.
func timedEcho(t *testing.T, c *geerpc.Client, n uint64, timeout time.Duration) (time.Duration, time.Time, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	var reply demo.EchoReply
	start := time.Now()
	err := c.Call(ctx, "Echo.Echo", demo.EchoArgs{Nonce: n}, &reply)
	if err == nil && reply.Nonce != n {
		t.Fatalf("reply nonce %d, want %d", reply.Nonce, n)
	}
	return time.Since(start), deadline, err
}

func TestDelayAddsWhatItSays(t *testing.T) {
	inj := NewCallInjector(testSeed(t))
	c := faulty(t, inj)
	_ = inj.Set(0, CallFault{Type: scenario.FaultDelay, Fraction: 1, Delay: 50 * time.Millisecond})
	// A loaded machine only adds time: the delay is at least what it says,
	// and the injector counts it once; after it, no call is delayed.
	d, _, err := timedEcho(t, c, 1, 10*time.Second)
	if err != nil || d < 50*time.Millisecond || inj.Stats().Delayed != 1 {
		t.Fatalf("delayed call took %v (%v), stats %+v; want 50ms more, 1 delayed", d, err, inj.Stats())
	}
	inj.Remove(0)
	if _, _, err := timedEcho(t, c, 2, 10*time.Second); err != nil || inj.Stats().Delayed != 1 {
		t.Fatalf("call after the delay ended: %v, stats %+v", err, inj.Stats())
	}
}

func TestAbortAnswersAServerErrorWithoutRunning(t *testing.T) {
	inj := NewCallInjector(testSeed(t))
	c := faulty(t, inj)
	_ = inj.Set(0, CallFault{Type: scenario.FaultAbort, Fraction: 1})
	_, _, err := timedEcho(t, c, 1, time.Second)
	var se geerpc.ServerError
	if !errors.As(err, &se) || string(se) != ErrInjectedAbort.Error() {
		t.Fatalf("aborted call: %v, want the server error %q", err, ErrInjectedAbort)
	}
	if st := inj.Stats(); st.Executed != 0 || st.Aborted != 1 {
		t.Fatalf("stats %+v, want 1 aborted, none executed", st)
	}
}

// TestDropsTurnIntoTimeoutsAtTheDeadline: a dropped reply (the method ran)
// and a dropped request (it did not) both end the call with a timeout at its
// deadline, not later; the connection stays usable.
func TestDropsTurnIntoTimeoutsAtTheDeadline(t *testing.T) {
	for _, kind := range []scenario.FaultType{scenario.FaultDropReply, scenario.FaultDropRequest} {
		t.Run(string(kind), func(t *testing.T) {
			inj := NewCallInjector(testSeed(t))
			c := faulty(t, inj)
			_ = inj.Set(3, CallFault{Type: kind, Fraction: 1})
			_, deadline, err := timedEcho(t, c, 42, 150*time.Millisecond)
			// Not before the deadline; after it, only as late as a loaded
			// machine makes any timer (the chaos runs judge lateness
			// against measured stalls).
			late := time.Since(deadline)
			if !errors.Is(err, context.DeadlineExceeded) || late > 5*time.Second || late < -5*time.Millisecond {
				t.Fatalf("dropped call: %v, %v after its deadline; want a timeout at it", err, late)
			}
			st := inj.Stats()
			wantExec := map[scenario.FaultType]int64{scenario.FaultDropReply: 1, scenario.FaultDropRequest: 0}[kind]
			if st.Executed != wantExec || inj.Dropped()[42] != kind {
				t.Fatalf("stats %+v, dropped %v; want %d executed and nonce 42 dropped by %s", st, inj.Dropped(), wantExec, kind)
			}
			inj.Remove(3)
			if _, _, err := timedEcho(t, c, 43, 10*time.Second); err != nil {
				t.Fatalf("call after the drop: %v", err)
			}
		})
	}
}

func TestDroppedCallsAskForNoReply(t *testing.T) {
	for _, kind := range []scenario.FaultType{scenario.FaultDropReply, scenario.FaultDropRequest} {
		inj := NewCallInjector(1)
		_ = inj.Set(0, CallFault{Type: kind, Fraction: 1})
		ran := false
		err := inj.Do(context.Background(), 1, true, nil, func() error { ran = true; return nil })
		if !errors.Is(err, geerpc.ErrNoReply) || ran != (kind == scenario.FaultDropReply) {
			t.Fatalf("%s: %v, method ran %v", kind, err, ran)
		}
	}
}

func TestFractionsHitTheirShareAndReplayFromTheSeed(t *testing.T) {
	seed := testSeed(t)
	hits := func(seed uint64) map[uint64]bool {
		inj := NewCallInjector(seed)
		_ = inj.Set(1, CallFault{Type: scenario.FaultDropReply, Fraction: 0.3})
		out := map[uint64]bool{}
		for key := range uint64(4000) {
			out[key] = inj.plan(key, true).drop
		}
		return out
	}
	a, b, other := hits(seed), hits(seed), hits(seed+1)
	n, same, diff := 0, 0, 0
	for k, hit := range a {
		if hit {
			n++
		}
		if hit == b[k] {
			same++
		}
		if hit != other[k] {
			diff++
		}
	}
	if share := float64(n) / 4000; math.Abs(share-0.3) > 0.04 {
		t.Fatalf("fraction 0.3 hit %.3f of the calls", share)
	}
	if same != 4000 || diff == 0 {
		t.Fatalf("same seed agreed on %d of 4000 calls (want all), another seed differed on %d (want some)", same, diff)
	}
}

func TestRetriesOfTheSameCallDrawAnew(t *testing.T) {
	inj := NewCallInjector(testSeed(t))
	_ = inj.Set(0, CallFault{Type: scenario.FaultDropReply, Fraction: 0.5})
	dropped := 0
	for range 64 {
		if inj.plan(9, true).drop {
			dropped++
		}
	}
	if dropped == 0 || dropped == 64 {
		t.Fatalf("64 tries of one nonce were dropped %d times: a retry must draw anew", dropped)
	}
}

func TestWorkSleepRunsBehindTheFaults(t *testing.T) {
	inj := NewCallInjector(testSeed(t))
	c := faulty(t, inj)
	var reply demo.WorkReply
	if err := c.Call(t.Context(), "Work.Sleep", demo.WorkArgs{Duration: time.Millisecond}, &reply); err != nil || reply.Instance != "x" {
		t.Fatalf("Work.Sleep: %v, %+v", err, reply)
	}
	_ = inj.Set(0, CallFault{Type: scenario.FaultAbort, Fraction: 1})
	if err := c.Call(t.Context(), "Work.Sleep", demo.WorkArgs{}, &reply); classify(err, false) != ClassServer {
		t.Fatalf("aborted Work.Sleep: %v", err)
	}
}

func TestSetRejectsOtherFaults(t *testing.T) {
	inj := NewCallInjector(1)
	for _, f := range []CallFault{{Type: scenario.FaultLatency, Fraction: 1}, {Type: scenario.FaultAbort, Fraction: 2}, {Type: scenario.FaultAbort, Fraction: math.NaN()}} {
		if err := inj.Set(0, f); !errors.Is(err, ErrFault) {
			t.Errorf("Set(%+v): %v, want ErrFault", f, err)
		}
	}
}

// TestReseedDrawsAsIfMadeWithTheSeed: an injector reseeded before its first
// fault drops the very calls one made with that seed drops; with a fault
// active, reseeding is refused.
func TestReseedDrawsAsIfMadeWithTheSeed(t *testing.T) {
	seed := testSeed(t)
	made, reseeded := NewCallInjector(seed), NewCallInjector(seed+1)
	if err := reseeded.Reseed(seed); err != nil {
		t.Fatal(err)
	}
	f := CallFault{Type: scenario.FaultDropReply, Fraction: 0.5}
	for _, inj := range []*CallInjector{made, reseeded} {
		if err := inj.Set(1, f); err != nil {
			t.Fatal(err)
		}
		for n := range uint64(200) {
			_ = inj.Do(t.Context(), n, true, nil, func() error { return nil })
		}
	}
	a, b := made.Dropped(), reseeded.Dropped()
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("dropped %d and %d of 200 calls; want the same, some", len(a), len(b))
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			t.Fatalf("call %d dropped by the injector made with the seed only", k)
		}
	}
	if err := reseeded.Reseed(seed + 2); !errors.Is(err, ErrFault) {
		t.Errorf("Reseed with a fault active: %v, want ErrFault", err)
	}
}
