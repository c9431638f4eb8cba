package xclient

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when a test says.
type fakeClock struct{ t atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.t.Store(int64(time.Hour))
	return c
}

func (c *fakeClock) now() int64              { return c.t.Load() }
func (c *fakeClock) advance(d time.Duration) { c.t.Add(int64(d)) }

// kill makes s refuse dials and breaks its connections, as a stopped
// process.
func (s *fakeServer) kill() {
	s.refuse.Store(true)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.clients {
		c.broken.Store(true)
	}
}

func TestEjectionTimeDoublesToCap(t *testing.T) {
	x := &XClient{opt: Options{EjectBase: time.Second, EjectMax: 10 * time.Second}}
	e := NewEndpoint("a", 1)
	now := int64(time.Hour)
	got := []time.Duration{x.ejectionTime(e, now)}
	e.ejected.Store(true) // each next one follows a failed trial
	for range 5 {
		got = append(got, x.ejectionTime(e, now))
	}
	want := []time.Duration{1, 2, 4, 8, 10, 10}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("ejection times %v, want %v seconds", got, want)
		}
	}
	e.ejected.Store(false)
	e.ejections, e.returned = 3, now
	if d := x.ejectionTime(e, now+int64(2*time.Second)); d != 2*time.Second {
		t.Fatalf("3 ejections, then 2s in balancing: %v, want 2s (two forgotten)", d)
	}
	e.ejected.Store(false)
	e.returned = now
	if d := x.ejectionTime(e, now+int64(time.Minute)); d != time.Second {
		t.Fatalf("after a long healthy spell: %v, want the base time", d)
	}
}

// ejectedFake returns a round-robin XClient over three fake instances on a
// fake clock, with the third killed and ejected.
func ejectedFake(t *testing.T, o Options) (*XClient, *fakeClock, *fakeServer, *Endpoint) {
	f, addrs := newFakeNet(3)
	o.Mode, o.EjectAfter, o.EjectBase = RoundRobinSelect, 3, time.Second
	x, _ := newFakeXClient(t, f, addrs, o)
	clk := newFakeClock()
	x.clock = clk.now
	for range 30 {
		if err := x.Call(context.Background(), "S.M", 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	bad := f.servers[addrs[2]]
	bad.kill()
	e := x.view.Load().byAddr[addrs[2]]
	for i := 0; !e.ejected.Load(); i++ {
		if i == 100 {
			t.Fatal("the killed instance was not ejected after 100 calls")
		}
		_ = x.Call(context.Background(), "S.M", 1, nil)
	}
	return x, clk, bad, e
}

// callsOK makes n calls that must all succeed.
func callsOK(t *testing.T, x *XClient, n int) {
	t.Helper()
	for range n {
		if err := x.Call(context.Background(), "S.M", 1, nil); err != nil {
			t.Fatalf("call: %v", err)
		}
	}
}

func TestTrialsBackOffThenReturnTheInstance(t *testing.T) {
	x, clk, bad, e := ejectedFake(t, Options{EjectMax: 4 * time.Second})
	dials := bad.dials.Load()
	callsOK(t, x, 50)
	clk.advance(time.Second - 1)
	callsOK(t, x, 50)
	if n := bad.dials.Load() - dials; n != 0 {
		t.Fatalf("%d dials to the ejected instance before its time was over", n)
	}
	// each trial fails: one call errs, then the instance is out for twice
	// as long, up to EjectMax
	for _, d := range []time.Duration{2 * time.Second, 4 * time.Second, 4 * time.Second} {
		clk.advance(1)
		if err := x.Call(context.Background(), "S.M", 1, nil); err == nil {
			t.Fatal("the trial on the dead instance succeeded")
		}
		if got := time.Duration(e.until - clk.now()); !e.ejected.Load() || got != d {
			t.Fatalf("after a failed trial: ejected %v for %v, want for %v", e.ejected.Load(), got, d)
		}
		callsOK(t, x, 20)
		clk.advance(d - 1)
	}
	if n := bad.dials.Load() - dials; n != 3 {
		t.Fatalf("%d dials to the ejected instance, want one per trial (3)", n)
	}
	bad.refuse.Store(false) // restarted
	clk.advance(1)
	before := bad.calls.Load()
	callsOK(t, x, 1)
	if e.ejected.Load() || bad.calls.Load() != before+1 {
		t.Fatalf("successful trial: ejected %v, %d calls reached it", e.ejected.Load(), bad.calls.Load()-before)
	}
	checkComparable(t, x, e)
}

// checkComparable fails unless e's latency estimate is within a factor of
// two of the mean of its peers'.
func checkComparable(t *testing.T, x *XClient, e *Endpoint) {
	t.Helper()
	var sum time.Duration
	n := 0
	for _, p := range x.view.Load().eps {
		if p != e {
			sum += p.Latency()
			n++
		}
	}
	mean := sum / time.Duration(n)
	if l := e.Latency(); l < mean/2 || l > 2*mean {
		t.Fatalf("returned instance's latency estimate %v, peers' mean %v", l, mean)
	}
}

func TestTrialOneAtATimeCanceledTriesAgain(t *testing.T) {
	x, clk, bad, e := ejectedFake(t, Options{})
	bad.refuse.Store(false)
	bad.hang.Store(true)
	clk.advance(time.Second)
	base := bad.calls.Load()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- x.Call(ctx, "S.M", 1, nil) }()
	waitFor(t, "the trial to reach the instance", func() bool { return bad.calls.Load() == base+1 })
	callsOK(t, x, 30)
	if n := bad.calls.Load() - base; n != 1 || !e.probing.Load() {
		t.Fatalf("%d calls reached the instance on trial (probing %v), want the trial only", n, e.probing.Load())
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled trial: %v", err)
	}
	if !e.ejected.Load() || e.probing.Load() {
		t.Fatalf("after a canceled trial: ejected %v, probing %v; want ejected, trial due", e.ejected.Load(), e.probing.Load())
	}
	bad.hang.Store(false)
	callsOK(t, x, 1) // the next call is the trial again, with no wait
	if e.ejected.Load() || bad.calls.Load() != base+2 {
		t.Fatalf("second trial: ejected %v, %d calls reached it", e.ejected.Load(), bad.calls.Load()-base)
	}
}

func TestNoTrialWithoutEjection(t *testing.T) {
	f, addrs := newFakeNet(2)
	x, _ := newFakeXClient(t, f, addrs, Options{Mode: P2CSelect})
	x.clock = func() int64 { t.Fatal("the clock was read with no instance ejected"); return 0 }
	callsOK(t, x, 10)
}
