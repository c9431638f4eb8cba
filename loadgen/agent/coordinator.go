package agent

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/internal/provenance"
	"github.com/geerpclab/geerpc/loadgen"
	"github.com/rs/xid"
	"golang.org/x/sync/errgroup"
)

// Defaults of Config.
const (
	// DefaultSetupTimeout bounds the barrier: every agent's Setup.
	DefaultSetupTimeout = 30 * time.Second
	// StopTimeout bounds the Stop calls of a coordinator whose run ends
	// early: every agent has stopped within it or is named as failed.
	StopTimeout = time.Second
	// MarkTimeout, plus two intervals, bounds a Mark: an agent that does not
	// answer in time is failed. A dead agent is seen sooner, when its
	// connection closes.
	MarkTimeout = 10 * time.Second
	// SkewLimit is the clock offset above which the report flags an agent.
	SkewLimit = 50 * time.Millisecond
)

// Endpoint is an agent a coordinator can drive.
type Endpoint struct {
	Name string `json:"name"` // the agent's name, as registered
	Addr string `json:"addr"` // its control service, protocol@host:port
}

// Config describes a coordinated run. Agents, Plan and Setup are required.
type Config struct {
	Agents []Endpoint
	Plan   Plan
	// Setup describes the whole run for the report (loadgen.Options.Describe
	// of the options every agent's Builder makes).
	Setup loadgen.Setup
	// SetupTimeout bounds the barrier; zero means DefaultSetupTimeout.
	SetupTimeout time.Duration
	// OnInterval, when set, receives each merged interval as it closes.
	OnInterval func(loadgen.Interval)
}

// SetupError is returned by Coordinate when an agent could not be dialed or
// refused its share; nothing was sent.
type SetupError struct {
	Agent string
	Err   error
}

func (e *SetupError) Error() string { return fmt.Sprintf("geerpc: agent %s: %v", e.Agent, e.Err) }

// Unwrap returns the agent's error.
func (e *SetupError) Unwrap() error { return e.Err }

// member is the coordinator's view of one agent. The Coordinate goroutine
// owns it, except cl, which is safe for concurrent use, and the mark's
// result fields, which one mark goroutine at a time fills while
// Coordinate waits.
type member struct {
	ep          Endpoint
	cl          *geerpc.Client
	m           *loadgen.Metrics // its share, merged from its Snapshots
	offset, rtt time.Duration
	final       Final
	done        bool
	setUp       bool // Setup succeeded: Release is owed
	attaching   bool // an Attach call is open; its return comes on attach
	failed      string
	attach      chan error // Attach's return
	snap        *loadgen.Snapshot
}

// coordinator is one coordinated run.
type coordinator struct {
	cfg     Config
	id      string
	members []*member
	total   *loadgen.Metrics
	start   time.Time
	last    time.Duration // end of the last interval cut
	stopped bool          // the run's context ended and the agents were told to stop
}

// Coordinate runs cfg.Plan over cfg.Agents and returns the merged report.
// When ctx ends, the agents are stopped within StopTimeout and the report
// covers what they sent. An agent that fails mid-run is named in the report,
// which is then Partial; the error is non-nil only when the run could not
// start (a *SetupError names the agent).
func Coordinate(ctx context.Context, cfg Config) (*Report, error) {
	c := &coordinator{cfg: cfg, id: xid.New().String(), total: loadgen.NewPartial()}
	prov := provenance.Collect(ctx)
	defer c.closeAll()
	if err := c.prepare(ctx); err != nil {
		return nil, err
	}
	c.run(ctx)
	c.releaseAll()
	return c.report(prov), nil
}

// prepare dials every agent, measures its clock, and sets it up: the
// barrier. On failure it releases the agents already set up.
func (c *coordinator) prepare(ctx context.Context) error {
	if len(c.cfg.Agents) == 0 {
		return fmt.Errorf("%w: no agents", ErrBadPlan)
	}
	c.members = make([]*member, len(c.cfg.Agents))
	for i, ep := range c.cfg.Agents {
		c.members[i] = &member{ep: ep, m: loadgen.NewPartial(), attach: make(chan error, 1)}
	}
	sctx, cancel := context.WithTimeout(ctx, cmp.Or(c.cfg.SetupTimeout, DefaultSetupTimeout))
	defer cancel()
	g, gctx := errgroup.WithContext(sctx)
	for i, mb := range c.members {
		g.Go(func() error { return c.setupOne(gctx, mb, Share{Index: i, Of: len(c.members)}) })
	}
	if err := g.Wait(); err != nil {
		c.releaseAll()
		return err
	}
	return nil
}

// setupOne dials one agent, measures its clock, sets it up and attaches to
// the run: the agent ends the run as soon as this process's connection
// closes.
func (c *coordinator) setupOne(ctx context.Context, mb *member, share Share) error {
	cl, err := geerpc.XDialContext(ctx, mb.ep.Addr)
	if err != nil {
		return &SetupError{Agent: mb.ep.Name, Err: err}
	}
	mb.cl = cl
	if mb.offset, mb.rtt, err = measureClock(ctx, cl); err != nil {
		return &SetupError{Agent: mb.ep.Name, Err: err}
	}
	var reply SetupReply
	if err := cl.Call(ctx, ServiceName+".Setup", SetupArgs{RunID: c.id, Plan: c.cfg.Plan, Share: share}, &reply); err != nil {
		return &SetupError{Agent: mb.ep.Name, Err: err}
	}
	mb.setUp, mb.attaching = true, true
	go func() { mb.attach <- cl.Call(context.Background(), ServiceName+".Attach", c.id, new(int)) }()
	return nil
}

// measureClock returns the agent's clock offset from this process's wall
// clock, from the quickest of five round trips, and that round trip.
func measureClock(ctx context.Context, cl *geerpc.Client) (offset, rtt time.Duration, err error) {
	rtt = time.Duration(1<<63 - 1)
	for range 5 {
		var now int64
		t0 := time.Now()
		if err := cl.Call(ctx, ServiceName+".Clock", 0, &now); err != nil {
			return 0, 0, fmt.Errorf("geerpc: agent: clock: %w", err)
		}
		if d := time.Since(t0); d < rtt {
			rtt = d
			offset = time.Duration(now - t0.Add(d/2).UnixNano())
		}
	}
	return offset, rtt, nil
}

// run starts every agent and marks every window until every agent is done
// or failed.
func (c *coordinator) run(ctx context.Context) {
	c.start = time.Now()
	c.fanOut(func(mb *member) error { return mb.cl.Call(ctx, ServiceName+".Start", c.id, new(int)) }, "start")
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	done := ctx.Done() // nil once the agents were told to stop
	for c.active() {
		at, cut := c.next(time.Since(c.start))
		timer.Reset(time.Until(c.start.Add(at)))
		select {
		case <-timer.C:
		case <-done:
			done = nil
			c.stopAll()
			at, cut = time.Since(c.start), true
		}
		c.mark(at, cut)
	}
	if now := time.Since(c.start); now > c.last || len(c.total.Timeline) == 0 {
		c.cutAt(now)
	}
}

// next returns when the next mark is due and whether it closes a window:
// windows close every Interval after Warmup; during the warm-up, marks every
// Interval only keep the agents' watchdogs fed. After a stop, marks come
// every 100ms until the agents are done.
func (c *coordinator) next(now time.Duration) (time.Duration, bool) {
	if c.stopped {
		return now + 100*time.Millisecond, false
	}
	iv, w := cmp.Or(c.cfg.Plan.Interval, loadgen.DefaultInterval), c.cfg.Plan.Warmup
	if now < w {
		keep := (now/iv + 1) * iv
		if keep < w+iv {
			return keep, false
		}
		return w + iv, true
	}
	return w + ((now-w)/iv+1)*iv, true
}

// active reports whether any agent still runs.
func (c *coordinator) active() bool {
	for _, mb := range c.members {
		if !mb.done && mb.failed == "" {
			return true
		}
	}
	return false
}

// stopAll tells every running agent to stop, within StopTimeout.
func (c *coordinator) stopAll() {
	c.stopped = true
	sctx, cancel := context.WithTimeout(context.Background(), StopTimeout)
	defer cancel()
	c.fanOut(func(mb *member) error { return mb.cl.Call(sctx, ServiceName+".Stop", c.id, new(int)) }, "stop")
}

// fanOut calls f for every running agent at once and marks those it fails
// for as failed.
func (c *coordinator) fanOut(f func(*member) error, what string) {
	var g errgroup.Group
	errs := make([]error, len(c.members))
	for i, mb := range c.members {
		if mb.done || mb.failed != "" {
			continue
		}
		g.Go(func() error { errs[i] = f(mb); return nil })
	}
	_ = g.Wait()
	for i, err := range errs {
		if err != nil {
			c.members[i].fail(fmt.Sprintf("%s: %v", what, err))
		}
	}
}

// fail records why an agent's share is incomplete; the first reason stays.
func (mb *member) fail(why string) {
	if mb.failed == "" && !mb.done {
		mb.failed = why
	}
}

// mark collects every running agent's window and merges it; cut closes the
// merged window at the offset at.
func (c *coordinator) mark(at time.Duration, cut bool) {
	mctx, cancel := context.WithTimeout(context.Background(), MarkTimeout+2*cmp.Or(c.cfg.Plan.Interval, loadgen.DefaultInterval))
	defer cancel()
	c.checkAttached()
	c.fanOut(func(mb *member) error {
		var reply MarkReply
		if err := mb.cl.Call(mctx, ServiceName+".Mark", c.id, &reply); err != nil {
			return err
		}
		mb.snap, mb.done, mb.final = reply.Snapshot, reply.Done, reply.Final
		return nil
	}, "mark")
	for _, mb := range c.members {
		c.merge(mb)
	}
	if cut {
		c.cutAt(at)
	}
}

// checkAttached fails the agents whose Attach returned before their run was
// done: their connection is lost.
func (c *coordinator) checkAttached() {
	for _, mb := range c.members {
		if !mb.attaching {
			continue
		}
		select {
		case err := <-mb.attach:
			mb.attaching = false
			if err == nil {
				mb.fail("the agent let the run go")
			} else {
				mb.fail(fmt.Sprintf("connection lost: %v", err))
			}
		default:
		}
	}
}

// merge adds an agent's last snapshot to its share, and the window to the
// total's; the shares are merged into the total at the end.
func (c *coordinator) merge(mb *member) {
	s := mb.snap
	mb.snap = nil
	if s == nil {
		return
	}
	if err := mb.m.MergeSnapshot(s); err != nil {
		mb.fail(err.Error())
	}
	mb.m.MoveWindow(c.total)
}

// cutAt closes the merged window at offset at.
func (c *coordinator) cutAt(at time.Duration) {
	if at <= c.cfg.Plan.Warmup {
		return
	}
	iv := c.total.Cut(max(c.last, c.cfg.Plan.Warmup), at)
	c.last = at
	if c.cfg.OnInterval != nil {
		c.cfg.OnInterval(iv)
	}
}

// releaseAll frees every agent set up for the run and waits for the Attach
// calls to return.
func (c *coordinator) releaseAll() {
	rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var g errgroup.Group
	for _, mb := range c.members {
		if !mb.setUp {
			continue
		}
		g.Go(func() error { return mb.cl.Call(rctx, ServiceName+".Release", c.id, new(int)) })
	}
	_ = g.Wait()
}

// closeAll hangs up on every agent and waits for the Attach calls still
// open, which the hang-up ends.
func (c *coordinator) closeAll() {
	for _, mb := range c.members {
		if mb.cl != nil {
			_ = mb.cl.Close()
		}
		if mb.attaching {
			<-mb.attach
			mb.attaching = false
		}
	}
}
