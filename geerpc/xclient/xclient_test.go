package xclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
)

func TestEjectionAndReturn(t *testing.T) {
	f, addrs := newFakeNet(3)
	bad := f.servers[addrs[0]]
	bad.hang.Store(true)
	const base = time.Second
	x, _ := newFakeXClient(t, f, addrs, Options{Mode: RoundRobinSelect, EjectAfter: 3, EjectBase: base})
	call := func() error {
		// 250ms: a call to a healthy instance never times out, even when
		// the machine is too busy to schedule it for a while.
		ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
		defer cancel()
		return x.Call(ctx, "S.M", 1, nil)
	}
	timeouts := 0
	for range 30 {
		if err := call(); errors.Is(err, context.DeadlineExceeded) {
			timeouts++
		}
	}
	if timeouts != 3 {
		t.Fatalf("%d timeouts, want exactly EjectAfter=3 before the ejection", timeouts)
	}
	ejectedAt := time.Now()
	seen := bad.calls.Load()
	for range 50 {
		if err := call(); err != nil {
			t.Fatalf("call while the bad instance is ejected: %v", err)
		}
	}
	if bad.calls.Load() != seen && time.Since(ejectedAt) < base {
		t.Fatal("the ejected instance still got calls")
	}
	bad.hang.Store(false)
	waitFor(t, "the instance to return", func() bool { _ = call(); return bad.calls.Load() > seen })
	if time.Since(ejectedAt) < base/2 {
		t.Fatalf("returned after %v, before its ejection time %v", time.Since(ejectedAt), base)
	}
}

func TestEjectionCappedByMaxPercent(t *testing.T) {
	for _, tc := range []struct {
		name        string
		n           int
		pct         int
		wantEjected int
	}{
		{name: "two-of-default-50", n: 2, wantEjected: 1},
		{name: "four-of-default-50", n: 4, wantEjected: 2},
		{name: "single-never", n: 1, wantEjected: 0},
		{name: "all-at-100", n: 3, pct: 100, wantEjected: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, addrs := newFakeNet(tc.n)
			for _, s := range f.servers {
				s.refuse.Store(true)
			}
			x, _ := newFakeXClient(t, f, addrs, Options{EjectAfter: 1, EjectBase: time.Hour, MaxEjectedPercent: tc.pct})
			for _, a := range addrs {
				_ = x.Call(pin(context.Background(), a), "S.M", 1, nil)
				_ = x.Call(context.Background(), "S.M", 1, nil)
			}
			ejected := 0
			for _, e := range x.view.Load().eps {
				if e.ejected.Load() {
					ejected++
				}
			}
			if ejected != tc.wantEjected {
				t.Fatalf("%d ejected, want %d", ejected, tc.wantEjected)
			}
		})
	}
}

func TestBroadcast(t *testing.T) {
	failure := geerpc.ServerError("disk full")
	for _, tc := range []struct {
		name          string
		failDelay     time.Duration // when the failing instance answers; 0: no failing instance
		wantErr       bool
		wantSucceeded int
		wantCancelled int
	}{
		{name: "all-succeed", wantSucceeded: 3},
		{name: "first-error-cancels-the-rest", failDelay: 500 * time.Millisecond, wantErr: true, wantSucceeded: 1, wantCancelled: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, addrs := newFakeNet(3)
			if tc.failDelay > 0 {
				f.servers[addrs[1]].delay.Store(int64(tc.failDelay))
				f.servers[addrs[1]].setErr(failure)
				f.servers[addrs[2]].hang.Store(true)
			}
			x, _ := newFakeXClient(t, f, addrs, Options{})
			var reply string
			err := x.Broadcast(context.Background(), "S.M", 1, &reply)
			if reply == "" {
				t.Fatal("reply not filled from a success")
			}
			if !tc.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var be *BroadcastError
			if !errors.As(err, &be) || !errors.Is(err, failure) {
				t.Fatalf("error %v, want a *BroadcastError wrapping %v", err, failure)
			}
			if len(be.Succeeded) != tc.wantSucceeded || be.Cancelled != tc.wantCancelled || len(be.Failed) != 1 {
				t.Fatalf("broadcast error %+v", be)
			}
			if be.Succeeded[0] != addrs[0] || be.Failed[0].Addr != addrs[1] || reply != addrs[0] {
				t.Fatalf("wrong instances: %+v, reply %q", be, reply)
			}
		})
	}
}

func TestRedialAfterBrokenConnection(t *testing.T) {
	f, addrs := newFakeNet(1)
	s := f.servers[addrs[0]]
	x, _ := newFakeXClient(t, f, addrs, Options{})
	if err := x.Call(context.Background(), "S.M", 1, nil); err != nil {
		t.Fatal(err)
	}
	first := s.clients[0]
	first.broken.Store(true)
	if err := x.Call(context.Background(), "S.M", 1, nil); err != nil {
		t.Fatalf("call after the connection broke: %v", err)
	}
	if s.dials.Load() != 2 || !first.closed.Load() {
		t.Fatalf("dials %d, old client closed %v: want a redial and the broken client closed", s.dials.Load(), first.closed.Load())
	}
	if err := x.Call(context.Background(), "S.M", 1, nil); err != nil || s.dials.Load() != 2 {
		t.Fatalf("the new connection must be reused: err %v, dials %d", err, s.dials.Load())
	}
}

func TestSlowDialDoesNotStallOtherInstances(t *testing.T) {
	f, addrs := newFakeNet(2)
	slow := f.servers[addrs[0]]
	slow.dialGate = make(chan struct{})
	x, _ := newFakeXClient(t, f, addrs, Options{Balancer: &pinBalancer{}})
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- x.Call(pin(context.Background(), addrs[0]), "S.M", 1, nil) }()
	}
	waitFor(t, "the slow dial to start", func() bool { return slow.dials.Load() == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := x.Call(pin(ctx, addrs[1]), "S.M", 1, nil); err != nil {
		t.Fatalf("a healthy instance was stalled by another's dial: %v", err)
	}
	short, cancelShort := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancelShort()
	if err := x.Call(pin(short, addrs[0]), "S.M", 1, nil); !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, geerpc.ErrNotSent) {
		t.Fatalf("a call waiting for a dial must end with its own deadline, as not sent: %v", err)
	}
	close(slow.dialGate)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := slow.dials.Load(); n != 1 {
		t.Fatalf("%d dials: concurrent calls must share one", n)
	}
}

func TestEvictionClosesAfterInFlightCalls(t *testing.T) {
	f, addrs := newFakeNet(2)
	leaving := f.servers[addrs[0]]
	x, d := newFakeXClient(t, f, addrs, Options{Balancer: &pinBalancer{}})
	if err := x.Call(pin(context.Background(), addrs[0]), "S.M", 1, nil); err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	open := sync.OnceFunc(func() { close(gate) })
	defer open()
	leaving.gate.Store(&gate)
	done := make(chan error, 1)
	go func() { done <- x.Call(pin(context.Background(), addrs[0]), "S.M", 1, nil) }()
	waitFor(t, "the call to start", func() bool { return leaving.calls.Load() == 2 })
	_ = d.Update(addrs[1:])
	if err := x.Call(context.Background(), "S.M", 1, nil); err != nil {
		t.Fatal(err)
	}
	c := leaving.clients[0]
	if c.closed.Load() {
		t.Fatal("client closed under an in-flight call")
	}
	open()
	if err := <-done; err != nil {
		t.Fatalf("in-flight call on a leaving instance: %v", err)
	}
	if !c.closed.Load() {
		t.Fatal("client of an instance that left discovery not closed")
	}
}

func TestP2CAvoidsSlowInstance(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mode     SelectMode
		maxShare float64 // of calls the slow instance may get
		minShare float64
	}{
		{name: "p2c", mode: P2CSelect, maxShare: 0.15},
		{name: "round-robin-control", mode: RoundRobinSelect, minShare: 0.30, maxShare: 0.37},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, addrs := newFakeNet(3)
			f.servers[addrs[0]].delay.Store(int64(50 * time.Millisecond))
			f.servers[addrs[1]].delay.Store(int64(100 * time.Microsecond))
			f.servers[addrs[2]].delay.Store(int64(100 * time.Microsecond))
			x, _ := newFakeXClient(t, f, addrs, Options{Mode: tc.mode, Seed: 11})
			const workers, perWorker = 8, 30
			var wg sync.WaitGroup
			for range workers {
				wg.Go(func() {
					for range perWorker {
						if err := x.Call(context.Background(), "S.M", 1, nil); err != nil {
							t.Error(err)
						}
					}
				})
			}
			wg.Wait()
			share := float64(f.servers[addrs[0]].calls.Load()) / (workers * perWorker)
			if share > tc.maxShare || share < tc.minShare {
				t.Fatalf("slow instance got %.2f of calls, want in [%.2f, %.2f]", share, tc.minShare, tc.maxShare)
			}
		})
	}
}

func TestGoAndCallInfo(t *testing.T) {
	f, addrs := newFakeNet(3)
	x, _ := newFakeXClient(t, f, addrs, Options{Mode: RoundRobinSelect})
	done := make(chan *geerpc.Call, 9)
	infos := make([]CallInfo, 9)
	replies := make([]string, 9)
	for i := range 9 {
		x.Go(WithCallInfo(context.Background(), &infos[i]), "S.M", i, &replies[i], done)
	}
	perAddr := map[string]int{}
	for range 9 {
		c := <-done
		if c.Error != nil || !c.Sent {
			t.Fatalf("call: %v, sent %v", c.Error, c.Sent)
		}
	}
	for i := range 9 {
		if infos[i].Addr != replies[i] || infos[i].Attempts != 1 {
			t.Fatalf("call %d: info %+v, served by %s", i, infos[i], replies[i])
		}
		perAddr[replies[i]]++
	}
	for _, a := range addrs {
		if perAddr[a] != 3 {
			t.Fatalf("per-instance shares %v, want 3 each", perAddr)
		}
	}
}

func TestGoUnbufferedPanics(t *testing.T) {
	f, addrs := newFakeNet(1)
	x, _ := newFakeXClient(t, f, addrs, Options{})
	defer func() {
		if recover() == nil {
			t.Fatal("Go with an unbuffered channel must panic")
		}
	}()
	x.Go(context.Background(), "S.M", 1, nil, make(chan *geerpc.Call))
}

func TestCallErrors(t *testing.T) {
	f, addrs := newFakeNet(2)
	for _, tc := range []struct {
		name    string
		servers []string
		close   bool
		want    error
		notSent bool
	}{
		{name: "no-instances", servers: nil, want: ErrNoInstances, notSent: true},
		{name: "closed", servers: addrs, close: true, want: ErrClosed, notSent: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, _ := newFakeXClient(t, f, tc.servers, Options{})
			if tc.close {
				_ = x.Close()
			}
			if err := x.Call(context.Background(), "S.M", 1, nil); !errors.Is(err, tc.want) {
				t.Fatalf("Call: %v, want %v", err, tc.want)
			}
			if err := x.Broadcast(context.Background(), "S.M", 1, nil); !errors.Is(err, tc.want) {
				t.Fatalf("Broadcast: %v, want %v", err, tc.want)
			}
			c := <-x.Go(context.Background(), "S.M", 1, nil, nil).Done
			if !errors.Is(c.Error, tc.want) || c.Sent {
				t.Fatalf("Go: %v sent %v", c.Error, c.Sent)
			}
		})
	}
}

func TestCloseClosesConnections(t *testing.T) {
	f, addrs := newFakeNet(3)
	x, _ := newFakeXClient(t, f, addrs, Options{Mode: RoundRobinSelect})
	for range 3 {
		if err := x.Call(context.Background(), "S.M", 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	_ = x.Close()
	for _, s := range f.servers {
		for _, c := range s.clients {
			if !c.closed.Load() {
				t.Fatalf("client of %s left open", s.addr)
			}
		}
	}
	if err := x.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

type weightedFake struct {
	*MultiServersDiscovery
	insts []Instance
}

func (w weightedFake) GetAllWeighted() ([]Instance, error) { return w.insts, nil }

func TestWeightsFromDiscovery(t *testing.T) {
	f, addrs := newFakeNet(2)
	d := weightedFake{MultiServersDiscovery: NewMultiServerDiscovery(addrs), insts: []Instance{{addrs[0], 3}, {addrs[1], 1}}}
	x := NewXClientWithOptions(d, Options{Mode: WeightedRoundRobinSelect, dial: f.dial})
	defer x.Close()
	counts := map[string]int{}
	for range 40 {
		var reply string
		if err := x.Call(context.Background(), "S.M", 1, &reply); err != nil {
			t.Fatal(err)
		}
		counts[reply]++
	}
	if counts[addrs[0]] != 30 || counts[addrs[1]] != 10 {
		t.Fatalf("shares %v, want 30/10 by weights 3/1", counts)
	}
}

// flakyDiscovery fails with err when it is set.
type flakyDiscovery struct {
	*MultiServersDiscovery
	mu  sync.Mutex // protects following
	err error
}

func (d *flakyDiscovery) GetAll() ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return nil, d.err
	}
	return d.MultiServersDiscovery.GetAll()
}

func (d *flakyDiscovery) fail(err error) {
	d.mu.Lock()
	d.err = err
	d.mu.Unlock()
}

func TestDiscoveryErrors(t *testing.T) {
	outage := errors.New("registry unreachable")
	for _, tc := range []struct {
		name    string
		err     error
		wantErr error // nil: the known instances stay in use
	}{
		{name: "outage-keeps-known-instances", err: outage},
		{name: "no-instances-is-authoritative", err: fmt.Errorf("registry: %w", ErrNoInstances), wantErr: ErrNoInstances},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, addrs := newFakeNet(2)
			d := &flakyDiscovery{MultiServersDiscovery: NewMultiServerDiscovery(addrs)}
			x := NewXClientWithOptions(d, Options{dial: f.dial})
			defer x.Close()
			if err := x.Call(context.Background(), "S.M", 1, nil); err != nil {
				t.Fatal(err)
			}
			d.fail(tc.err)
			if err := x.Call(context.Background(), "S.M", 1, nil); !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("call during discovery error: %v, want %v", err, tc.wantErr)
			}
		})
	}
	d := &flakyDiscovery{MultiServersDiscovery: NewMultiServerDiscovery(nil), err: outage}
	x := NewXClient(d, RandomSelect, nil)
	defer x.Close()
	if err := x.Call(context.Background(), "S.M", 1, nil); !errors.Is(err, outage) {
		t.Fatalf("first call with discovery down: %v, want %v", err, outage)
	}
}

// BenchmarkXClientOverhead measures what an XClient adds to a call, over a
// client that answers at once: discovery sync, pick, accounting.
func BenchmarkXClientOverhead(b *testing.B) {
	for _, mode := range []SelectMode{RandomSelect, RoundRobinSelect, P2CSelect} {
		b.Run(mode.String(), func(b *testing.B) {
			f, addrs := newFakeNet(3)
			x := NewXClientWithOptions(NewMultiServerDiscovery(addrs), Options{Mode: mode, dial: f.dial})
			defer x.Close()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := x.Call(context.Background(), "S.M", 1, nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
