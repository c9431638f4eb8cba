package agent

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/geerpclab/geerpc/loadgen"
)

// ServiceName is the name the control service is registered under.
const ServiceName = "Agent"

// SetupArgs is the request of Agent.Setup.
type SetupArgs struct {
	RunID string
	Plan  Plan
	Share Share
}

// SetupReply is the answer of Agent.Setup: the agent is ready.
type SetupReply struct {
	Name  string
	Setup loadgen.Setup // the agent's share, as its own report would describe it
}

// MarkReply is the answer of Agent.Mark.
type MarkReply struct {
	Snapshot *loadgen.Snapshot // what completed since the last Mark
	Done     bool              // the run has ended: Final holds, and no more Marks are needed
	Final    Final
}

// Final is how an agent's run ended, with the counts its Snapshots do not
// carry.
type Final struct {
	Stop                                              loadgen.StopReason
	WarmupCalls, Abandoned, Late, Unsent, PeakWorkers int64
	Ended                                             string // why the agent ended the run itself ("" when it ran its course or was stopped)
}

// Agent runs the shares of load runs it is given, one run at a time. Its
// Control is the service a coordinator drives.
type Agent struct {
	name  string
	build Builder

	mu  sync.Mutex // protects cur
	cur *run
}

// New returns an agent called name that makes its jobs with build.
func New(name string, build Builder) *Agent {
	return &Agent{name: name, build: build}
}

// Name returns the agent's name.
func (a *Agent) Name() string { return a.name }

// Control returns the control service to register as ServiceName.
func (a *Agent) Control() *Control { return &Control{a: a} }

// LeaseLost ends the run the agent takes part in, if any: without its
// registration it is no longer one of the coordinator's agents.
func (a *Agent) LeaseLost() { a.end(ErrLeaseLost) }

// Close ends the run the agent takes part in, if any, waits for it and
// releases it.
func (a *Agent) Close() {
	a.mu.Lock()
	r := a.cur
	a.cur = nil
	a.mu.Unlock()
	if r != nil {
		r.release(ErrCoordinatorGone)
	}
}

// end ends the current run, if any, for cause.
func (a *Agent) end(cause error) {
	a.mu.Lock()
	r := a.cur
	a.mu.Unlock()
	if r != nil {
		r.cancel(cause)
	}
}

// find returns the run called id.
func (a *Agent) find(id string) (*run, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cur == nil || a.cur.id != id {
		return nil, fmt.Errorf("%w: %q", ErrNoRun, id)
	}
	return a.cur, nil
}

// setup builds the run and makes it current, unless one already is.
func (a *Agent) setup(ctx context.Context, args SetupArgs) (*run, error) {
	a.mu.Lock()
	busy := a.cur != nil
	a.mu.Unlock()
	if busy {
		return nil, ErrBusy
	}
	r, err := newRun(ctx, a.build, args)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cur != nil {
		r.release(ErrBusy)
		return nil, ErrBusy
	}
	a.cur = r
	go r.watch(func() { a.gone(r) })
	return r, nil
}

// gone ends and releases run r, whose coordinator is gone.
func (a *Agent) gone(r *run) {
	r.release(ErrCoordinatorGone)
	a.drop(r)
}

// drop forgets run r if it is current.
func (a *Agent) drop(r *run) {
	a.mu.Lock()
	if a.cur == r {
		a.cur = nil
	}
	a.mu.Unlock()
}

// run is one agent's share of a run, from Setup to Release. newRun sets
// its fields and none changes after, except final, which the goroutine
// start launches writes before it closes done; control calls read final
// only after done is closed. rec has a lock of its own.
type run struct {
	id      string
	job     *Job
	opts    loadgen.Options
	rec     *recorder
	ctx     context.Context
	cancel  context.CancelCauseFunc
	quiet   time.Duration // the longest silence of the coordinator the run outlives once started
	touched chan struct{} // a control call came: the watchdog starts again

	startOnce   sync.Once
	started     chan struct{} // closed by Start
	done        chan struct{} // closed when the run has ended; final is then set
	final       Final
	releaseOnce sync.Once
	released    chan struct{} // closed by release
}

// newRun builds the job of args and applies its share, then warms up with
// one call.
func newRun(ctx context.Context, build Builder, args SetupArgs) (*run, error) {
	job, err := build(ctx, args.Plan)
	if err != nil {
		return nil, err
	}
	opts, err := args.Share.Apply(job.Options)
	if err == nil {
		err = warmUp(ctx, job.Invoker, opts)
	}
	if err != nil {
		job.close()
		return nil, err
	}
	rctx, cancel := context.WithCancelCause(context.Background())
	r := &run{
		id: args.RunID, job: job, ctx: rctx, cancel: cancel, touched: make(chan struct{}, 1),
		started: make(chan struct{}), done: make(chan struct{}), released: make(chan struct{}),
		quiet: cmp.Or(args.Plan.Watchdog, 5*cmp.Or(args.Plan.Interval, loadgen.DefaultInterval)+30*time.Second),
	}
	r.rec = newRecorder(rctx, opts.Warmup, opts.Observe)
	opts.Observe = r.rec.observe
	r.opts = opts
	return r, nil
}

// warmUp makes one call of the first target, so that the first measured
// calls do not pay for dialing.
func warmUp(ctx context.Context, inv loadgen.Invoker, o loadgen.Options) error {
	if len(o.Targets) == 0 {
		return fmt.Errorf("%w: no targets", ErrBadPlan)
	}
	t := o.Targets[0]
	args, reply := t.New(0)
	wctx, cancel := context.WithTimeout(ctx, cmp.Or(o.Timeout, 5*time.Second))
	defer cancel()
	if err := inv.Call(wctx, t.Method, args, reply); err != nil {
		return fmt.Errorf("warm-up call %s: %w", t.Method, err)
	}
	return nil
}

func (j *Job) close() {
	if j.Close != nil {
		j.Close()
	}
}

// start runs the load once.
func (r *run) start() {
	r.startOnce.Do(func() {
		close(r.started)
		go func() {
			defer close(r.done)
			m, err := loadgen.Run(r.ctx, r.job.Invoker, r.opts)
			r.final = finalOf(m, err, context.Cause(r.ctx))
		}()
	})
}

// finalOf describes how a run ended.
func finalOf(m *loadgen.Metrics, err, cause error) Final {
	f := Final{}
	if err != nil {
		f.Ended = err.Error()
		return f
	}
	f.Stop, f.WarmupCalls, f.Abandoned = m.Stop, m.WarmupCalls, m.Abandoned
	f.Late, f.Unsent, f.PeakWorkers = m.Late, m.Unsent, m.PeakWorkers
	if cause != nil && !errors.Is(cause, ErrStopped) && !errors.Is(cause, context.Canceled) {
		f.Ended = cause.Error()
	}
	return f
}

// touch tells the watchdog that the coordinator is there.
func (r *run) touch() {
	select {
	case r.touched <- struct{}{}:
	default:
	}
}

// watch calls gone when the coordinator is silent for longer than quiet
// once the run started (before, for longer than DefaultSetupTimeout more),
// until the run is released.
func (r *run) watch(gone func()) {
	t := time.NewTimer(DefaultSetupTimeout + r.quiet)
	defer t.Stop()
	started := r.started
	for {
		select {
		case <-started:
			started = nil
			t.Reset(r.quiet)
		case <-r.touched:
			t.Reset(r.quiet)
		case <-t.C:
			gone()
			return
		case <-r.released:
			return
		}
	}
}

// isDone reports whether the run has ended.
func (r *run) isDone() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// release ends the run for cause, waits for it if it started, and closes the
// job, once.
func (r *run) release(cause error) {
	r.cancel(cause)
	r.startOnce.Do(func() { close(r.started); close(r.done) }) // never started: nothing runs
	<-r.done
	r.releaseOnce.Do(func() {
		r.job.close()
		close(r.released)
	})
}

// busy reports whether the agent holds a run.
func (a *Agent) busy() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cur != nil
}
