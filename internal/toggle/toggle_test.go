package toggle

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestLoopStartsOnceStopsAndStartsAgain(t *testing.T) {
	var running, starts atomic.Int64
	start := Go(func(ctx context.Context) {
		starts.Add(1)
		running.Add(1)
		<-ctx.Done()
		running.Add(-1)
	})
	var l Loop
	l.Stop() // stopping a stopped loop does nothing
	for round := 1; round <= 2; round++ {
		for range 3 {
			if err := l.Start(start); err != nil {
				t.Fatal(err)
			}
		}
		l.Stop()
		if n := running.Load(); n != 0 {
			t.Fatalf("round %d: %d loops still run after Stop", round, n)
		}
		if n := starts.Load(); n != int64(round) {
			t.Fatalf("round %d: %d loops started, want %d", round, n, round)
		}
	}
}

func TestLoopStartErrorLeavesItStopped(t *testing.T) {
	boom := errors.New("boom")
	var l Loop
	if err := l.Start(func() (func(), <-chan struct{}, error) { return nil, nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("Start = %v, want boom", err)
	}
	var started atomic.Bool
	if err := l.Start(Go(func(ctx context.Context) { started.Store(true); <-ctx.Done() })); err != nil {
		t.Fatal(err)
	}
	l.Stop()
	if !started.Load() {
		t.Fatal("a failed start kept the loop from starting later")
	}
}
