package loadgen

import (
	"context"
	"sync"
	"time"
)

// job is one call due at an offset.
type job struct {
	seq uint64
	due time.Duration
}

// dispatcher hands due calls to workers, starting a worker whenever all are
// busy, up to the cap.
type dispatcher struct {
	r       *runner
	jobs    chan job
	wg      sync.WaitGroup
	workers int
}

// openLoop sends calls when the pacer says they are due until the run
// stops, then waits for the calls in flight.
func (r *runner) openLoop(ctx context.Context) {
	d := &dispatcher{r: r, jobs: make(chan job)}
	r.stop(r.pace(ctx, d))
	close(d.jobs)
	d.wg.Wait()
}

// napMax is the longest stretch before a due time that pace covers with nap
// instead of a runtime timer. Runtime timers end up to a millisecond late
// here; a runtime sleep until napMax before the due time followed by a nap
// sends calls within about 100µs of their due time. It also bounds how long
// pace can miss the end of ctx.
const napMax = 1500 * time.Microsecond

// pace sends every call whose due time has passed, then sleeps until the next
// one is due, so that a late wake-up delays calls but never drops them.
func (r *runner) pace(ctx context.Context, d *dispatcher) StopReason {
	sleep := time.NewTimer(time.Hour)
	defer sleep.Stop()
	end := r.endTimer()
	defer end.Stop()
	for n := uint64(0); ; n++ {
		due, ok := r.o.Pacer.Due(n)
		switch {
		case !ok:
			return StopPacer
		case due >= r.end:
			return StopDuration
		case !r.admit(due):
			return StopCount
		}
		if !r.sleepUntil(ctx, sleep, due) {
			return stopFor(ctx.Err())
		}
		if reason := d.dispatch(ctx, job{seq: n, due: due}, end.C); reason != StopNone {
			r.unsent.Add(r.countUnsent(n))
			return reason
		}
	}
}

// sleepUntil sleeps until the offset at: on timer until napMax before it,
// then in a nap. It returns false if ctx ends first.
func (r *runner) sleepUntil(ctx context.Context, timer *time.Timer, at time.Duration) bool {
	if wait := at - napMax - r.since(); wait > 0 {
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			return false
		}
	}
	if rest := at - r.since(); rest > 0 {
		nap(min(rest, napMax))
	}
	return ctx.Err() == nil
}

// endTimer fires when sending must stop; it never fires without a Duration.
func (r *runner) endTimer() *time.Timer {
	if r.o.Duration == 0 {
		t := time.NewTimer(time.Hour)
		t.Stop()
		return t
	}
	return time.NewTimer(time.Until(r.start.Add(r.end)))
}

// countUnsent counts the calls from n on that were due before the end.
func (r *runner) countUnsent(n uint64) int64 {
	var c int64
	for ; ; n++ {
		due, ok := r.o.Pacer.Due(n)
		if !ok || due >= r.end || due >= r.since() {
			return c
		}
		c++
	}
}

// dispatch hands j to an idle worker, or to a new one, or, when all are busy
// at the cap, waits for one and counts j late. It returns StopNone once j is
// handed over.
func (d *dispatcher) dispatch(ctx context.Context, j job, end <-chan time.Time) StopReason {
	select {
	case d.jobs <- j:
		return StopNone
	default:
	}
	if d.workers < d.r.o.MaxWorkers {
		d.spawn(ctx, j)
		return StopNone
	}
	d.r.late.Add(1)
	select {
	case d.jobs <- j:
		return StopNone
	case <-ctx.Done():
		return stopFor(ctx.Err())
	case <-end:
		return StopDuration
	}
}

// spawn starts a worker whose first call is j.
func (d *dispatcher) spawn(ctx context.Context, j job) {
	id := d.workers
	d.workers++
	d.r.workers.Store(int64(d.workers))
	d.wg.Go(func() { d.work(ctx, d.r.shardFor(id), j) })
}

// work makes calls until the dispatcher closes the job channel or ctx ends;
// a job received after ctx ended is counted as unsent.
func (d *dispatcher) work(ctx context.Context, sh *shard, j job) {
	for {
		if ctx.Err() != nil {
			d.r.unsent.Add(1)
			return
		}
		d.r.call(ctx, sh, j.seq, j.due)
		var ok bool
		select {
		case j, ok = <-d.jobs:
			if !ok {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}
