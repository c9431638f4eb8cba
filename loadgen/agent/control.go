package agent

import (
	"context"
	"sync"
	"time"

	"github.com/geerpclab/geerpc/loadgen"
)

// Control is an agent's control service, registered as ServiceName. A
// coordinator calls Clock, Setup (the barrier: it returns once the agent is
// ready), Attach (held open for the whole run), Start, Mark every window,
// Stop on an early end, and Release.
type Control struct {
	a *Agent
}

// Clock answers the agent's wall clock, Unix nanoseconds, for the
// coordinator's round-trip offset.
func (c *Control) Clock(_ int, now *int64) error {
	*now = time.Now().UnixNano()
	return nil
}

// Setup prepares the agent's share of a run: it builds the job, dials and
// warms up, and answers when the agent is ready to start. It fails with
// ErrBusy while another run holds the agent.
func (c *Control) Setup(ctx context.Context, args SetupArgs, reply *SetupReply) error {
	r, err := c.a.setup(ctx, args)
	if err != nil {
		return err
	}
	reply.Name = c.a.name
	reply.Setup, err = r.opts.Describe()
	return err
}

// Attach returns when the run is released; when the coordinator's
// connection closes first, the run ends at once.
func (c *Control) Attach(ctx context.Context, id string, _ *int) error {
	r, err := c.a.find(id)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		c.a.gone(r)
	case <-r.released:
	}
	return nil
}

// Start starts the run's load.
func (c *Control) Start(id string, _ *int) error {
	r, err := c.a.find(id)
	if err != nil {
		return err
	}
	r.touch()
	r.start()
	return nil
}

// Mark closes a measurement window: it answers what completed since the last
// Mark and, once the run has ended, how it ended.
func (c *Control) Mark(id string, reply *MarkReply) error {
	r, err := c.a.find(id)
	if err != nil {
		return err
	}
	r.touch()
	reply.Done = r.isDone() // before the snapshot, so that a done run's last one holds everything
	if reply.Snapshot, err = r.rec.take(); err != nil {
		return err
	}
	if reply.Done {
		reply.Final = r.final
	}
	return nil
}

// Stop ends the run's load early; the next Mark reports its end.
func (c *Control) Stop(id string, _ *int) error {
	r, err := c.a.find(id)
	if err != nil {
		return err
	}
	r.cancel(ErrStopped)
	return nil
}

// Release ends the run if it still runs, waits for it and frees the agent
// for the next run.
func (c *Control) Release(id string, _ *int) error {
	r, err := c.a.find(id)
	if err != nil {
		return err
	}
	r.release(ErrStopped)
	c.a.drop(r)
	return nil
}

// recorder keeps the measured results of a run since the last Mark. Workers
// call observe concurrently; Mark calls take.
type recorder struct {
	ctx    context.Context // the run's: results cut short by its end are abandoned, not measured
	warmup time.Duration
	next   func(loadgen.Result) // the Job's own Observe, if any

	mu sync.Mutex // protects m
	m  *loadgen.Metrics
}

func newRecorder(ctx context.Context, warmup time.Duration, next func(loadgen.Result)) *recorder {
	return &recorder{ctx: ctx, warmup: warmup, next: next, m: loadgen.NewPartial()}
}

// observe records one result unless it is warm-up or abandoned, as
// loadgen.Run counts them, and hands every result to the Job's Observe.
func (r *recorder) observe(res loadgen.Result) {
	if r.next != nil {
		r.next(res)
	}
	if res.Due < r.warmup {
		return
	}
	if (res.Outcome == loadgen.OutcomeCanceled || res.Outcome == loadgen.OutcomeTimeout) && r.ctx.Err() != nil {
		return
	}
	r.mu.Lock()
	r.m.Add(&res)
	r.mu.Unlock()
}

// take returns the snapshot of what was recorded since the last take.
func (r *recorder) take() (*loadgen.Snapshot, error) {
	r.mu.Lock()
	m := r.m
	r.m = loadgen.NewPartial()
	r.mu.Unlock()
	return m.Snapshot()
}
