package loadgen

import (
	"context"
	"sync"
	"time"
)

// closedLoop runs Concurrency workers, each keeping InFlight calls in
// flight, until the run stops, then waits for the calls in flight.
func (r *runner) closedLoop(ctx context.Context) {
	var wg sync.WaitGroup
	for w := range r.o.Concurrency {
		sh := r.shardFor(w)
		for range r.o.InFlight {
			wg.Go(func() { r.closedSlot(ctx, sh) })
		}
	}
	r.workers.Store(int64(r.o.Concurrency))
	r.waitStop(ctx)
	wg.Wait()
}

// closedSlot makes one call after another until the run stops.
func (r *runner) closedSlot(ctx context.Context, sh *shard) {
	for !r.stopped.Load() && ctx.Err() == nil {
		due := r.since()
		if due >= r.end {
			r.stop(StopDuration)
			return
		}
		if !r.admit(due) {
			return
		}
		r.call(ctx, sh, r.seq.Add(1)-1, due)
	}
}

// waitStop blocks until the duration elapses, ctx ends or a worker stops
// the run.
func (r *runner) waitStop(ctx context.Context) {
	var deadline <-chan time.Time
	if r.o.Duration > 0 {
		t := time.NewTimer(time.Until(r.start.Add(r.end)))
		defer t.Stop()
		deadline = t.C
	}
	select {
	case <-ctx.Done():
		r.stop(stopFor(ctx.Err()))
	case <-deadline:
		r.stop(StopDuration)
	case <-r.stopCh:
	}
}
