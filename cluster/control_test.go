package cluster

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc"
)

// startFaultsTest starts three `geerpc serve -faults` children; the
// cleanup closes them and checks that none is left.
func startFaultsTest(t *testing.T) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := Options{Backend: Processes, Binary: testBinary, TTL: 3 * time.Second, Heartbeat: 300 * time.Millisecond, Faults: true}
	c, err := Start(ctx, opts, threeSpecs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		if kids, err := Children(); err == nil && len(kids) != 0 {
			t.Errorf("children left after Close: %v", kids)
		}
	})
	return c
}

// echoMany makes n concurrent Echo calls with nonces from+1..from+n on
// addr, each with a deadline a loaded machine cannot miss, and returns the
// nonces of those that timed out; any other failure fails the test.
func echoMany(t *testing.T, addr string, from, n uint64) map[uint64]bool {
	t.Helper()
	cli, err := geerpc.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	var mu sync.Mutex
	timedOut := map[uint64]bool{}
	var wg sync.WaitGroup
	for nonce := from + 1; nonce <= from+n; nonce++ {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var reply demo.EchoReply
			err := cli.Call(ctx, "Echo.Echo", demo.EchoArgs{Nonce: nonce}, &reply)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, context.DeadlineExceeded):
				timedOut[nonce] = true
			case err != nil:
				t.Errorf("nonce %d: %v", nonce, err)
			case reply.Nonce != nonce:
				t.Errorf("nonce %d answered %d", nonce, reply.Nonce)
			}
		})
	}
	wg.Wait()
	return timedOut
}

func TestFaultsChildDropsTheRepliesItIsTold(t *testing.T) {
	c := startFaultsTest(t)
	a := c.Instance("a")
	ctx := t.Context()
	const n = 200
	if err := a.SetCallFault(ctx, CallFault{ID: 1, Seed: 42, Type: "drop_reply", Fraction: 0.2}); err != nil {
		t.Fatal(err)
	}
	timedOut := echoMany(t, a.Listen(), 0, n)
	r, err := a.CallReport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The draw is a hash of the seed and the nonce: the share is the same on
	// any machine, so it may be checked.
	if share := float64(len(timedOut)) / n; share < 0.1 || share > 0.3 {
		t.Errorf("%d of %d replies dropped, want about 20%%", len(timedOut), n)
	}
	if len(r.Dropped) != len(timedOut) || r.Stats.RepliesDropped != int64(len(timedOut)) {
		t.Errorf("%d calls timed out; the report says %d dropped, %+v", len(timedOut), len(r.Dropped), r.Stats)
	}
	for nonce := range timedOut {
		if r.Dropped[nonce] != "drop_reply" {
			t.Errorf("nonce %d timed out, reported as %q", nonce, r.Dropped[nonce])
		}
	}
	if r.Stats.Calls != n || r.Stats.Executed != n { // the control calls are not counted
		t.Errorf("stats %+v, want %d calls, all executed", r.Stats, n)
	}
	if err := a.RemoveCallFault(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if again := echoMany(t, a.Listen(), n, n); len(again) != 0 {
		t.Errorf("%d replies dropped after the fault was removed", len(again))
	}
	if r, err := a.CallReport(ctx); err != nil || r.Stats.Calls != 2*n || r.Stats.RepliesDropped != int64(len(timedOut)) {
		t.Errorf("after removal: %+v, %v", r.Stats, err)
	}
}

func TestFaultsChildRefusesABadFaultAndAnotherSeed(t *testing.T) {
	c := startFaultsTest(t)
	a := c.Instance("a")
	ctx := t.Context()
	for _, f := range []CallFault{
		{ID: 1, Seed: 1, Type: "latency", Fraction: 0.5},
		{ID: 1, Seed: 1, Type: "abort", Fraction: 1.5},
	} {
		if err := a.SetCallFault(ctx, f); err == nil {
			t.Errorf("SetCallFault(%+v) accepted", f)
		}
	}
	if err := a.SetCallFault(ctx, CallFault{ID: 2, Seed: 2, Type: "abort", Fraction: 1}); err == nil {
		t.Error("a fault with another seed than the first was accepted")
	}
	if err := a.ClearCallFaults(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := echoFrom(t, a.Addr()); err != nil || got != "a" {
		t.Errorf("after ClearCallFaults a answered %q, %v", got, err)
	}
}

func TestFaultsChildStopsAndResumesItsHeartbeats(t *testing.T) {
	c := startFaultsTest(t)
	a := c.Instance("a")
	if err := a.StopHeartbeat(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the registry drops a after its TTL", func() bool { return len(listed(t, c)) == 2 })
	if got, err := echoFrom(t, a.Addr()); err != nil || got != "a" {
		t.Fatalf("a stopped heartbeating and stopped serving: %q, %v", got, err)
	}
	if err := a.StartHeartbeat(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a is listed again", func() bool { return len(listed(t, c)) == 3 })
}

func TestNoControlWithoutFaults(t *testing.T) {
	for _, b := range []Backend{InProcess, Processes} {
		t.Run(b.String(), func(t *testing.T) {
			a := startTest(t, b).Instance("a")
			if err := a.SetCallFault(t.Context(), CallFault{ID: 1, Type: "abort", Fraction: 1}); !errors.Is(err, ErrNoControl) {
				t.Errorf("SetCallFault: %v, want ErrNoControl", err)
			}
			if _, err := a.CallReport(t.Context()); !errors.Is(err, ErrNoControl) {
				t.Errorf("CallReport: %v, want ErrNoControl", err)
			}
			if b == Processes {
				if err := a.StopHeartbeat(); !errors.Is(err, ErrUnsupported) {
					t.Errorf("StopHeartbeat of a child without -faults: %v, want ErrUnsupported", err)
				}
			}
		})
	}
}

func TestControlOfAKilledChild(t *testing.T) {
	a := startFaultsTest(t).Instance("a")
	a.Kill()
	if err := a.StopHeartbeat(); !errors.Is(err, ErrStopped) {
		t.Errorf("StopHeartbeat of a killed child: %v, want ErrStopped", err)
	}
	if err := a.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	if r, err := a.CallReport(t.Context()); err != nil || r.Stats.Calls != 0 {
		t.Errorf("a restarted child reports %+v, %v; want nothing yet", r, err)
	}
}
