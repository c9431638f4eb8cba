package loadgen

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/internal/provenance"
)

func TestOptionsValidation(t *testing.T) {
	echo := []Target{EchoTarget(8)}
	tests := []struct {
		name string
		o    Options
	}{
		{name: "no targets", o: Options{Duration: time.Second}},
		{name: "target without New", o: Options{Targets: []Target{{Method: "A.B"}}}},
		{name: "negative concurrency", o: Options{Targets: echo, Concurrency: -1}},
		{name: "negative duration", o: Options{Targets: echo, Duration: -time.Second}},
		{name: "short interval", o: Options{Targets: echo, Interval: 10 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Run(context.Background(), &fakeInvoker{}, tt.o); !errors.Is(err, ErrInvalidOptions) {
				t.Fatalf("err = %v, want ErrInvalidOptions", err)
			}
		})
	}
}

func TestStopReasons(t *testing.T) {
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		timeout time.Duration // of the run's context
		o       Options
		want    StopReason
		calls   int64 // -1: any
	}{
		{name: "duration", o: Options{Duration: 100 * time.Millisecond}, want: StopDuration, calls: -1},
		{name: "count closed", o: Options{Count: 500, Concurrency: 4, InFlight: 2}, want: StopCount, calls: 500},
		{name: "count open", o: Options{Count: 50, Pacer: ConstantPacer{PerSecond: 1000}}, want: StopCount, calls: 50},
		{name: "canceled", ctx: expired, o: Options{Duration: time.Hour}, want: StopCanceled, calls: -1},
		{name: "deadline", timeout: 150 * time.Millisecond, o: Options{Pacer: ConstantPacer{PerSecond: 100}}, want: StopDeadline, calls: -1},
		{name: "pacer", o: Options{Pacer: LinearPacer{From: 1000, To: 0, Over: 100 * time.Millisecond}}, want: StopPacer, calls: 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			tt.o.Targets = []Target{EchoTarget(8)}
			m := mustRun(t, ctx, &fakeInvoker{}, tt.o)
			if m.Stop != tt.want || (tt.calls >= 0 && m.Calls != tt.calls) {
				t.Fatalf("stop %v after %d calls, want %v after %d", m.Stop, m.Calls, tt.want, tt.calls)
			}
		})
	}
}

func TestTimeoutsAreData(t *testing.T) {
	m := mustRun(t, context.Background(), &fakeInvoker{latency: time.Hour}, Options{
		// A second of 20ms timeouts: a busy machine still starts a worker in it.
		Targets: []Target{EchoTarget(8)}, Concurrency: 4, Duration: time.Second, Timeout: 20 * time.Millisecond,
	})
	if m.Calls == 0 || m.Outcomes[OutcomeTimeout].Calls != m.Calls || m.OK != 0 || m.Stop != StopDuration {
		t.Fatalf("calls %d outcomes %+v stop %v", m.Calls, m.Outcomes, m.Stop)
	}
	if m.Latency.P50 < 20*time.Millisecond {
		t.Fatalf("timeouts recorded at %v, before the 20ms timeout", m.Latency.P50)
	}
}

// TestAbandonedCallsAreNotMeasured ends the run once its three workers are
// each in a call that never returns on its own, however long a loaded
// machine takes to start them.
func TestAbandonedCallsAreNotMeasured(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var started atomic.Int64
	inv := InvokerFunc(func(ctx context.Context, method string, args, reply any) error {
		if started.Add(1) == 3 {
			cancel()
		}
		<-ctx.Done()
		return ctx.Err()
	})
	m := mustRun(t, ctx, inv, Options{Targets: []Target{EchoTarget(8)}, Concurrency: 3})
	if m.Stop != StopCanceled || m.Abandoned != 3 || m.Calls != 0 {
		t.Fatalf("stop %v abandoned %d calls %d", m.Stop, m.Abandoned, m.Calls)
	}
}

func TestWarmupExcluded(t *testing.T) {
	// Calls during the first 150ms of the 200ms warm-up stall; measured
	// ones are fast.
	retry(t, func() error {
		inv := &stallInvoker{inner: &fakeInvoker{}, from: 0, to: 150 * time.Millisecond}
		m := mustRun(t, context.Background(), inv, Options{
			Targets: []Target{EchoTarget(8)}, Pacer: ConstantPacer{PerSecond: 500},
			Warmup: 200 * time.Millisecond, Duration: 300 * time.Millisecond,
		})
		switch {
		case m.WarmupCalls != 100 || m.Calls != 150:
			t.Fatalf("warm-up calls %d, measured %d; want 100 and 150", m.WarmupCalls, m.Calls)
		case len(m.Timeline) == 0 || m.Timeline[0].Start != 200*time.Millisecond:
			t.Fatalf("timeline starts at %+v, want the end of the warm-up", m.Timeline)
		case m.Latency.Max >= 100*time.Millisecond:
			return fmt.Errorf("max %v includes the warm-up stall", m.Latency.Max)
		}
		return nil
	})
}

func TestInvalidRepliesDetected(t *testing.T) {
	m := mustRun(t, context.Background(), &fakeInvoker{swap: true}, Options{
		Targets: []Target{EchoTarget(8)}, Count: 1000, Concurrency: 2,
	})
	if got := m.Outcomes[OutcomeInvalid].Calls; got != 100 {
		t.Fatalf("%d invalid replies, want 100", got)
	}
}

func TestObserveSeesEveryCall(t *testing.T) {
	var n atomicCounter
	m := mustRun(t, context.Background(), &fakeInvoker{}, Options{
		Targets: []Target{EchoTarget(8), AddTarget()}, Count: 300, Concurrency: 3,
		Observe: func(Result) { n.add() },
	})
	if n.get() != 300 || m.Calls != 300 || len(m.Methods) != 2 || m.OK != 300 {
		t.Fatalf("observed %d, calls %d, methods %+v, ok %d", n.get(), m.Calls, m.Methods, m.OK)
	}
}

func TestOnInterval(t *testing.T) {
	var ivs []Interval
	m := mustRun(t, context.Background(), &fakeInvoker{}, Options{
		Targets: []Target{EchoTarget(8)}, Pacer: ConstantPacer{PerSecond: 1000},
		Duration: 550 * time.Millisecond, Interval: 100 * time.Millisecond,
		OnInterval: func(iv Interval) { ivs = append(ivs, iv) },
	})
	if len(ivs) < 5 || len(ivs) != len(m.Timeline) {
		t.Fatalf("%d intervals seen, timeline has %d", len(ivs), len(m.Timeline))
	}
	var calls int64
	for i, iv := range m.Timeline {
		calls += iv.Calls
		if i > 0 && iv.Start != m.Timeline[i-1].End {
			t.Fatalf("gap before interval %d: %+v", i, m.Timeline)
		}
	}
	if calls != m.Calls {
		t.Fatalf("timeline holds %d calls of %d", calls, m.Calls)
	}
}

func TestEchoTargetFromKeepsRunsApart(t *testing.T) {
	const base = uint64(3) << 40
	tg := EchoTargetFrom(4, base)
	args, reply := tg.New(5)
	if a := args.(demo.EchoArgs); a.Nonce != base|5 || len(a.Payload) != 4 {
		t.Fatalf("args %+v, want nonce %d and 4 bytes", a, base|5)
	}
	r := reply.(*demo.EchoReply)
	r.Nonce, r.Payload = base|5, make([]byte, 4)
	if _, err := tg.Check(5, r); err != nil {
		t.Fatalf("matching reply refused: %v", err)
	}
	r.Nonce = 5 // the same call of another run
	if _, err := tg.Check(5, r); !errors.Is(err, ErrBadReply) {
		t.Fatalf("reply of another run accepted: %v", err)
	}
}

func TestGivenProvenanceIsRecordedAsGiven(t *testing.T) {
	given := &provenance.Info{GoVersion: "go-given", Commit: "c0ffee"}
	for _, tt := range []struct {
		name string
		prov *provenance.Info
	}{{name: "given", prov: given}, {name: "collected"}} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Run(context.Background(), &fakeInvoker{}, Options{Targets: []Target{EchoTarget(8)}, Count: 3, Provenance: tt.prov})
			if err != nil {
				t.Fatal(err)
			}
			want := runtime.Version()
			if tt.prov != nil {
				want = tt.prov.GoVersion
			}
			if m.Provenance.GoVersion != want || (tt.prov != nil && m.Provenance.Commit != "c0ffee") {
				t.Fatalf("provenance %+v, want go version %s", m.Provenance, want)
			}
		})
	}
}
