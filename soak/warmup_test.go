package soak

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/chaos"
	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/demo"
)

// fakeFaulter records when each fault went on and off.
type fakeFaulter struct {
	mu      sync.Mutex // protects following
	on      int        // faults on now
	applied []scenario.FaultType
	cleared []time.Time
}

func (f *fakeFaulter) Apply(_ context.Context, _ int, spec scenario.FaultSpec) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.on++
	f.applied = append(f.applied, spec.Type)
	return nil
}

func (f *fakeFaulter) Clear(context.Context, int, scenario.FaultSpec) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.on--
	f.cleared = append(f.cleared, time.Now())
	return nil
}

func (f *fakeFaulter) active() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.on > 0
}

// echoInvoker answers every Echo call at once and counts the calls made
// while a fault of f was on.
type echoInvoker struct {
	f       *fakeFaulter
	faulted atomic.Int64
}

func (e *echoInvoker) Call(_ context.Context, _ string, args, reply any) error {
	a, r := args.(demo.EchoArgs), reply.(*demo.EchoReply)
	r.Nonce, r.Payload, r.Instance = a.Nonce, a.Payload, "fake"
	if e.f.active() {
		e.faulted.Add(1)
	}
	return nil
}

// nudgeCounter answers Echo calls and notes when the first came.
type nudgeCounter struct {
	echoInvoker
	at []time.Time
}

func (n *nudgeCounter) Call(ctx context.Context, method string, args, reply any) error {
	n.at = append(n.at, time.Now())
	return n.echoInvoker.Call(ctx, method, args, reply)
}

func TestWarmupPlaysAFaultCycleBeforeTheBaseline(t *testing.T) {
	types := []scenario.FaultType{scenario.FaultLatency, scenario.FaultKill, scenario.FaultBlackhole}
	// Windows of 500ms at 400 calls/s: even a busy machine makes calls in them.
	o := Options{Window: 500 * time.Millisecond, Gap: 50 * time.Millisecond, Faults: types, Settle: time.Second}.withDefaults()
	if err := o.check(); err != nil {
		t.Fatal(err)
	}
	if want := 3*550*time.Millisecond + minRecovery; o.Warmup != want {
		t.Fatalf("default warm-up %s, want one cycle of %s", o.Warmup, want)
	}
	s := newSoak(o)
	f := &fakeFaulter{}
	inv, all := &echoInvoker{f: f}, &nudgeCounter{echoInvoker: echoInvoker{f: f}}
	s.inv, s.all, s.faulter, s.r.Rate = inv, all, f, 400
	if err := s.warmup(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(f.applied) != len(types) || len(f.cleared) != len(types) || f.on != 0 {
		t.Fatalf("applied %v, cleared %d, %d on: want the cycle %v, all cleared", f.applied, len(f.cleared), f.on, types)
	}
	for i, typ := range types {
		if f.applied[i] != typ {
			t.Errorf("fault %d is %s, want %s", i, f.applied[i], typ)
		}
		if rec := s.r.WarmupFaults[i]; rec.Type != typ || rec.ClearedAt < 0 || rec.Err != "" {
			t.Errorf("warm-up fault record %d: %+v", i, rec)
		}
		if !f.cleared[i].Before(s.r.Baseline.At) {
			t.Errorf("fault %d cleared at %s, after the baseline at %s", i, f.cleared[i], s.r.Baseline.At)
		}
	}
	if len(all.at) != 1 || !all.at[0].After(f.cleared[len(f.cleared)-1]) || !all.at[0].Before(s.r.Baseline.At) {
		t.Errorf("nudges at %v: want one after the last fault and before the baseline", all.at)
	}
	if a := s.ledgers["nudge"].accounts(); a.Sent != 1 || a.Classes[chaos.ClassOK] != 1 || len(a.Problems(false)) > 0 {
		t.Errorf("nudge ledger %+v", a)
	}
	if inv.faulted.Load() == 0 {
		t.Error("no call was made while a fault was on: the warm-up did not load the faults")
	}
	a := s.ledgers["warmup"].accounts()
	if p := a.Problems(false); len(p) > 0 || a.Sent == 0 {
		t.Errorf("warm-up ledger %+v: %v", a, p)
	}
	if s.r.Baseline.Goroutines == 0 || s.r.Baseline.HeapInuse == 0 {
		t.Errorf("no baseline sampled: %+v", s.r.Baseline)
	}
}

func TestWarmupShorterThanACycleIsRejected(t *testing.T) {
	if d := (Options{}).withDefaults().Warmup; d != 5*40*time.Second+20*time.Second {
		t.Errorf("default warm-up %s, want one default cycle of 3m40s", d)
	}
	_, err := Run(t.Context(), Options{Warmup: time.Minute})
	if !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), "warmup 1m0s is shorter than one fault cycle") {
		t.Fatalf("Run with a 1m warm-up: %v, want ErrOptions naming the warmup", err)
	}
}

// slowInvoker answers Echo calls after d and notes the most in flight.
type slowInvoker struct {
	d time.Duration

	mu             sync.Mutex // protects following
	inflight, most int
}

func (s *slowInvoker) Call(ctx context.Context, method string, args, reply any) error {
	s.mu.Lock()
	s.inflight++
	s.most = max(s.most, s.inflight)
	s.mu.Unlock()
	time.Sleep(s.d)
	s.mu.Lock()
	s.inflight--
	s.mu.Unlock()
	return (&echoInvoker{f: &fakeFaulter{}}).Call(ctx, method, args, reply)
}

func TestMaxWorkersCapsTheCallsInFlight(t *testing.T) {
	o := Options{MaxWorkers: 3, Window: 50 * time.Millisecond, Gap: 50 * time.Millisecond}.withDefaults()
	s := newSoak(o)
	inv := &slowInvoker{d: 20 * time.Millisecond}
	s.inv, s.faulter, s.r.Rate = inv, &fakeFaulter{}, 500 // 10 in flight without the cap
	m, _, _, err := s.faulted(t.Context(), "warmup", 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if most := inv.most; most > 3 || m.Late == 0 {
		t.Errorf("%d calls in flight at most, %d late: want at most 3, some late", most, m.Late)
	}
	if a := s.ledgers["warmup"].accounts(); a.Sent == 0 || len(a.Problems(false)) > 0 {
		t.Errorf("warm-up ledger %+v", a)
	}
}
