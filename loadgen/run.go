package loadgen

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geerpclab/geerpc/internal/provenance"
	"github.com/rs/xid"
)

// Run drives calls through inv as opts describe until the duration, the
// count, the pacer or ctx ends it, waits for the calls in flight, and returns
// the closed Metrics. Calls cut short because ctx ended are counted as
// Abandoned, not measured. The error is non-nil only when opts are invalid.
func Run(ctx context.Context, inv Invoker, opts Options) (*Metrics, error) {
	o, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	prov := o.Provenance
	if prov == nil {
		p := provenance.Collect(ctx)
		prov = &p
	}
	r := newRunner(inv, o)
	tl := startTimeline(r)
	if o.Pacer != nil {
		r.openLoop(ctx)
	} else {
		r.closedLoop(ctx)
	}
	m := r.finish(tl.finish())
	m.Provenance = *prov
	return m, nil
}

// shard is the recording state of one worker (or a few, when workers
// outnumber shards).
type shard struct {
	mu sync.Mutex // protects m
	m  Metrics
}

// add records one result in the shard.
func (s *shard) add(r *Result) {
	s.mu.Lock()
	s.m.Add(r)
	s.mu.Unlock()
}

// runner is the state of one run.
type runner struct {
	inv    Invoker
	picker InstanceInvoker // inv, when it says which instance each call went to
	o      Options
	end    time.Duration // offset at which sending stops
	start  time.Time
	shards []*shard

	seq       atomic.Uint64 // next sequence number
	measured  atomic.Uint64 // measured calls sent, against Count
	warmup    atomic.Int64
	abandoned atomic.Int64
	workers   atomic.Int64
	late      atomic.Int64
	unsent    atomic.Int64

	stopOnce sync.Once
	stopped  atomic.Bool
	stopCh   chan struct{} // closed by stop
	reason   StopReason    // set once by stop, read after stopCh is closed
}

func newRunner(inv Invoker, o Options) *runner {
	n := min(4*runtime.GOMAXPROCS(0), o.MaxWorkers)
	if o.Pacer == nil {
		n = min(4*runtime.GOMAXPROCS(0), o.Concurrency)
	}
	r := &runner{inv: inv, o: o, end: o.end(), shards: make([]*shard, n), stopCh: make(chan struct{})}
	r.picker, _ = inv.(InstanceInvoker)
	for i := range r.shards {
		r.shards[i] = &shard{m: Metrics{manual: true}}
	}
	r.start = time.Now()
	return r
}

// since returns the offset of now from the start of the run.
func (r *runner) since() time.Duration { return time.Since(r.start) }

// shardFor returns the shard of worker id.
func (r *runner) shardFor(id int) *shard { return r.shards[id%len(r.shards)] }

// stop records the first reason the run stops for.
func (r *runner) stop(reason StopReason) {
	r.stopOnce.Do(func() {
		r.reason = reason
		r.stopped.Store(true)
		close(r.stopCh)
	})
}

// admit counts a call due at the given offset against Count and reports
// whether it may be sent.
func (r *runner) admit(due time.Duration) bool {
	if due < r.o.Warmup || r.o.Count == 0 {
		return true
	}
	if r.measured.Add(1) > r.o.Count {
		r.stop(StopCount)
		return false
	}
	return true
}

// call makes call seq, due at the given offset, and records its result.
func (r *runner) call(ctx context.Context, sh *shard, seq uint64, due time.Duration) {
	t := &r.o.Targets[seq%uint64(len(r.o.Targets))]
	args, reply := t.New(seq)
	cctx, cancel := r.callContext(ctx)
	res := Result{Seq: seq, Method: t.Method, Due: due, Sent: r.since()}
	picked, err := r.invoke(cctx, t.Method, args, reply)
	res.Done = r.since()
	cancel()
	res.Outcome, res.Err, res.Instance = r.o.Classify(err), err, picked
	if err == nil && t.Check != nil {
		named, cerr := t.Check(seq, reply)
		if cerr != nil {
			res.Outcome, res.Err = OutcomeInvalid, cerr
		}
		if picked == "" {
			res.Instance = named
		}
	}
	r.record(ctx, sh, &res)
}

// invoke makes one call and returns the instance the Invoker says it went
// to ("" when it does not say).
func (r *runner) invoke(ctx context.Context, method string, args, reply any) (string, error) {
	if r.picker != nil {
		return r.picker.CallInstance(ctx, method, args, reply)
	}
	return "", r.inv.Call(ctx, method, args, reply)
}

// callContext bounds one call by Options.Timeout.
func (r *runner) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if r.o.Timeout > 0 {
		return context.WithTimeout(ctx, r.o.Timeout)
	}
	return ctx, func() {}
}

// record routes a result to the metrics, or counts it as warm-up or
// abandoned, and hands it to the observer.
func (r *runner) record(ctx context.Context, sh *shard, res *Result) {
	switch {
	case res.Due < r.o.Warmup:
		r.warmup.Add(1)
	case (res.Outcome == OutcomeCanceled || res.Outcome == OutcomeTimeout) && ctx.Err() != nil:
		r.abandoned.Add(1)
	default:
		sh.add(res)
	}
	if r.o.Observe != nil {
		r.o.Observe(*res)
	}
}

// finish merges the shards into the run's Metrics.
func (r *runner) finish(timeline []Interval) *Metrics {
	m := &Metrics{manual: true, Setup: r.o.setup(), RunID: xid.New().String(), Start: r.start}
	for _, sh := range r.shards {
		sh.mu.Lock()
		m.Merge(&sh.m)
		sh.mu.Unlock()
	}
	m.Timeline = timeline
	m.Stop = r.reason
	m.WarmupCalls, m.Abandoned = r.warmup.Load(), r.abandoned.Load()
	m.Late, m.Unsent, m.PeakWorkers = r.late.Load(), r.unsent.Load(), r.workers.Load()
	m.Close()
	return m
}
