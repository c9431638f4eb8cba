package soak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/geerpclab/geerpc/chaos"
	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/geerpc/xclient"
	"github.com/geerpclab/geerpc/internal/pause"
	"github.com/geerpclab/geerpc/internal/provenance"
	"github.com/geerpclab/geerpc/loadgen"
)

// phaseNames are the phases of a soak, in order; each books its calls in
// its own ledger. The nudge phase is the one broadcast before each sample.
var phaseNames = []string{"saturation", "warmup", "soak", "nudge"}

// payload is the Echo payload of every call.
const payload = 64

// The client's outlier ejection: short, so that an instance ejected during
// a fault is back (and its connection redialled) well within the recovery
// after the last fault; xclient's defaults (1s, doubled up to 30s while its
// trial calls fail) could leave it out past the end of the run.
const (
	ejectBase = 500 * time.Millisecond
	ejectMax  = 2 * time.Second
)

// soak is one run in progress.
type soak struct {
	o       Options
	cl      *chaos.Cluster
	x       *xclient.XClient
	inv     loadgen.Invoker // the calls go through: x, or a fake in tests
	all     loadgen.Invoker // its calls go to every instance: x's Broadcast, or a fake
	faulter faulter         // the faults are played on: cl, or a fake in tests
	nudges  uint64          // nudges made so far
	ledgers map[string]*ledger
	log     *progress
	r       *Result

	baseStacks map[string]int // goroutines by function at the baseline
}

// newSoak returns a soak of o (defaults filled) with its ledgers and an
// empty Result; start connects it to a cluster.
func newSoak(o Options) *soak {
	s := &soak{o: o, log: &progress{w: o.Progress}, ledgers: map[string]*ledger{}}
	for _, p := range phaseNames {
		s.ledgers[p] = newLedger() // before the baseline, so they weigh on both samples
	}
	s.r = &Result{Schema: SchemaVersion, Provenance: o.Provenance, Start: time.Now(), Duration: o.Duration, Warmup: o.Warmup, MaxWorkers: o.MaxWorkers,
		Tolerance: o.Tolerance, Fraction: o.Fraction, Client: "p2c/failover", Phases: map[string]Accounts{}, Peaks: map[string]int{}}
	return s
}

// Run starts three instances and the HTTP registry on 127.0.0.1 (each
// instance behind a Toxiproxy proxy), measures the saturation rate with a
// short closed loop through a p2c/failover XClient, warms up open loop at
// Fraction of it while the fault cycle plays once, samples goroutines, FDs
// and heap, then soaks for Duration at that rate while the fault cycle
// plays on, samples again and judges.
//
// When ctx ends early the active fault is undone, the load stops and the
// Result holds what was measured, Interrupted set; the error then wraps
// ErrInterrupted. A Result that fails its checks comes with an error
// wrapping ErrFailed. Other errors mean the soak could not start.
func Run(ctx context.Context, opts Options) (*Result, error) {
	o := opts.withDefaults()
	if err := o.check(); err != nil {
		return nil, err
	}
	if o.Provenance.GoVersion == "" {
		o.Provenance = provenance.Collect(ctx)
	}
	s := newSoak(o)
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	err := s.run(ctx)
	s.close()
	for _, p := range phaseNames {
		s.r.Phases[p] = s.ledgers[p].accounts()
	}
	s.r.Interrupted = s.r.Interrupted || errors.Is(err, ErrInterrupted)
	s.r.Judge()
	if err == nil && !s.r.Pass {
		err = fmt.Errorf("%w: %v", ErrFailed, s.r.Failed())
	}
	return s.r, err
}

// start starts the cluster and the client and waits until the client's
// discovery lists every instance.
func (s *soak) start(ctx context.Context) error {
	specs := make([]scenario.InstanceSpec, len(instanceNames))
	for i, n := range instanceNames {
		specs[i] = scenario.InstanceSpec{Name: n}
	}
	cl, err := chaos.StartCluster(ctx, specs, scenario.RegistrySpec{}, s.o.Seed)
	if err != nil {
		return fmt.Errorf("geerpc: soak: start the cluster: %w", err)
	}
	s.cl, s.faulter = cl, cl
	disc := xclient.NewGeeRegistryDiscoveryWithOptions(cl.RegistryURL(), xclient.GeeRegistryDiscoveryOptions{Interval: cl.Registry().Refresh.D(), EmptyHold: cl.Registry().TTL.D()})
	s.x = xclient.NewXClientWithOptions(disc, xclient.Options{
		Mode: xclient.P2CSelect, FailMode: xclient.Failover, Idempotent: true, AttemptTimeout: s.o.Timeout / 3, Seed: s.o.Seed,
		EjectBase: ejectBase, EjectMax: ejectMax,
	})
	s.inv, s.all = s.x, broadcastInvoker{s.x}
	if err := waitListed(ctx, disc, len(specs)); err != nil {
		s.close()
		return err
	}
	s.log.printf("soak: cluster of %d instances behind proxies, registry %s", len(specs), cl.RegistryURL())
	return nil
}

// waitListed waits until disc lists n instances.
func waitListed(ctx context.Context, disc *xclient.GeeRegistryDiscovery, n int) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		addrs, err := disc.GetAll()
		if err == nil && len(addrs) == n {
			return nil
		}
		if !pause.For(ctx, 20*time.Millisecond) {
			return fmt.Errorf("geerpc: soak: discovery lists %d of %d instances: %w", len(addrs), n, errors.Join(err, ctx.Err()))
		}
	}
}

func (s *soak) close() {
	if s.x != nil {
		_ = s.x.Close()
	}
	if s.cl != nil {
		s.cl.Close()
	}
}

// run plays the phases in turn.
func (s *soak) run(ctx context.Context) error {
	for _, step := range []func(context.Context) error{s.saturate, s.warmup, s.soak} {
		if err := step(ctx); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %w", ErrInterrupted, ctx.Err())
		}
	}
	return nil
}

// saturate measures the cluster's ok calls/s with a closed loop.
func (s *soak) saturate(ctx context.Context) error {
	m, err := s.load(ctx, "saturation", loadgen.Options{Concurrency: s.o.Workers, Duration: s.o.Saturation})
	if err != nil {
		return err
	}
	s.r.Saturation = Saturation{Workers: s.o.Workers, Duration: s.o.Saturation, Rate: m.Throughput, P99: m.Latency.P99}
	s.r.Rate = s.o.Fraction * m.Throughput
	s.log.printf("soak: saturation %.0f ok calls/s (closed loop, %d workers, %s, p99 %s); soaking at %.0f/s",
		m.Throughput, s.o.Workers, s.o.Saturation, m.Latency.P99, s.r.Rate)
	if s.r.Rate < 1 && ctx.Err() == nil {
		return fmt.Errorf("geerpc: soak: saturation measured %.2f calls/s: too little to soak at", m.Throughput)
	}
	return nil
}

// warmup sends the soak's rate while the fault cycle plays once, then,
// the load stopped and the process settled, samples the baseline: so it
// comes after the fault-time peak of goroutines and heap, like the end
// sample.
func (s *soak) warmup(ctx context.Context) error {
	m, faults, elapsed, err := s.faulted(ctx, "warmup", s.o.Warmup)
	s.r.WarmupFaults = faults
	if err != nil {
		return err
	}
	s.r.WarmupLate = m.Late
	// The soak's timeline is made now, so that it weighs on both samples.
	s.r.Timeline = make([]chaos.Point, 0, int(s.o.Duration/s.o.Interval)+2)
	s.r.Baseline = s.sample(ctx, nil)
	s.baseStacks = goroutineStacks()
	s.r.heapBaseline = heapProfile()
	s.log.printf("soak: baseline after %s warm-up (%d faults, %d late calls, peak %d goroutines): %s",
		elapsed.Round(time.Second), len(faults), s.r.WarmupLate, s.r.Peaks["warmup"], sampleString(s.r.Baseline))
	return nil
}

// soak sends the rate for Duration while the fault cycle plays, then
// samples again once the load stopped.
func (s *soak) soak(ctx context.Context) error {
	m, faults, elapsed, err := s.faulted(ctx, "soak", s.o.Duration)
	s.r.Elapsed, s.r.Faults = elapsed, faults
	if err != nil {
		return err
	}
	s.r.SentRate, s.r.Late, s.r.Unsent = m.Rate, m.Late, m.Unsent
	s.r.Timeline = appendPoints(s.r.Timeline[:0], m.Timeline) // m is dead from here: its histograms do not weigh on the heap sample
	s.r.After = s.sample(ctx, &s.r.Baseline)
	s.r.Grown = grownStacks(s.baseStacks, goroutineStacks(), 5)
	s.r.heapAfter = heapProfile()
	s.log.printf("soak: after %s (%d late calls, peak %d goroutines): %s", s.r.Elapsed.Round(time.Second), s.r.Late, s.r.Peaks["soak"], sampleString(s.r.After))
	return nil
}

// sample takes the sample that ends a phase: it rests for restFor, nudges
// the servers, then settles (see settle).
func (s *soak) sample(ctx context.Context, target *Sample) Sample {
	if ctx.Err() == nil {
		pause.For(ctx, restFor)
	}
	untrimmed := counts().Goroutines
	s.nudge(ctx)
	smp := settle(ctx, s.o.Settle, target)
	smp.Untrimmed = untrimmed
	return smp
}

// nudge makes one Echo call on every instance at once, booked in the nudge
// ledger. A geerpc connection lets go of its handler goroutines idle for
// over 2s only when its next request comes, so without one a sample would
// count the handlers that the last burst before the load stopped left
// parked: a number that swings with that burst, not with what the process
// keeps. The nudge comes before both samples alike.
func (s *soak) nudge(ctx context.Context) {
	if s.all == nil || ctx.Err() != nil {
		return
	}
	l, t := s.ledgers["nudge"], echoTarget(indexOf("nudge"), payload)
	args, reply := t.New(s.nudges)
	s.nudges++
	cctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	err := ledgerInvoker{inv: s.all, l: l}.Call(cctx, t.Method, args, reply)
	cancel()
	l.observe(loadgen.Result{Err: err})
	s.log.printf("soak: nudged every instance%s", errSuffix(err))
}

// broadcastInvoker makes each call a Broadcast to every instance.
type broadcastInvoker struct{ x *xclient.XClient }

// Call broadcasts the call through x.
func (b broadcastInvoker) Call(ctx context.Context, method string, args, reply any) error {
	return b.x.Broadcast(ctx, method, args, reply)
}

// faulted runs phase's load at the soak's rate for d while a player plays
// the fault cycle planned over d; it returns the load's metrics, the faults
// played and how long the load ran. Every fault is off when it returns.
func (s *soak) faulted(ctx context.Context, phase string, d time.Duration) (*loadgen.Metrics, []chaos.FaultRecord, time.Duration, error) {
	faults := plan(s.o.Faults, d, s.o.Window, s.o.Gap, s.o.recovery())
	s.log.printf("soak: %s %s at %.0f/s, %d faults of %s each, %s apart", phase, d, s.r.Rate, len(faults), s.o.Window, s.o.Gap)
	pctx, stop := context.WithCancel(ctx)
	p := &player{cl: s.faulter, phase: phase, faults: faults, t0: time.Now(), log: s.log}
	var wg sync.WaitGroup
	wg.Go(func() { p.play(pctx) })
	m, err := s.load(ctx, phase, loadgen.Options{Pacer: loadgen.ConstantPacer{PerSecond: s.r.Rate}, MaxWorkers: s.o.MaxWorkers, Duration: d, Interval: s.o.Interval})
	elapsed := time.Since(p.t0)
	stop()
	wg.Wait()
	return m, p.played(), elapsed, err
}

// load runs one phase's load through the phase's ledger. Its calls'
// contexts are children of a context of the phase's own: a context keeps
// its children in a map, which grows to the most calls ever in flight at
// once and never shrinks, and that map goes with the phase instead of
// staying in ctx for the rest of the soak.
func (s *soak) load(ctx context.Context, phase string, lo loadgen.Options) (*loadgen.Metrics, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	l := s.ledgers[phase]
	lo.Targets = []loadgen.Target{echoTarget(indexOf(phase), payload)}
	lo.Timeout, lo.Observe = s.o.Timeout, l.observe
	peak := 0
	lo.OnInterval = func(loadgen.Interval) { peak = max(peak, runtime.NumGoroutine()) }
	m, err := loadgen.Run(ctx, ledgerInvoker{inv: s.inv, l: l}, lo)
	s.r.Peaks[phase] = peak
	if err != nil {
		return nil, fmt.Errorf("geerpc: soak: %s load: %w", phase, err)
	}
	return m, nil
}

func indexOf(phase string) int {
	for i, p := range phaseNames {
		if p == phase {
			return i
		}
	}
	return len(phaseNames)
}

// appendPoints appends loadgen's timeline to pts as chaos's, for its plots.
func appendPoints(pts []chaos.Point, tl []loadgen.Interval) []chaos.Point {
	for _, in := range tl {
		p := chaos.Point{Start: in.Start, End: in.End, Calls: in.Calls, OK: in.OK, Errors: in.Errors, Throughput: in.Throughput, P99: in.P99}
		if in.Calls > 0 {
			p.ErrorRate = float64(in.Errors) / float64(in.Calls)
		}
		pts = append(pts, p)
	}
	return pts
}

func sampleString(s Sample) string {
	return fmt.Sprintf("%d goroutines (%d before the nudge), %d fds, heap in use %.2fMiB (live %.2fMiB in %d objects; stacks %.2fMiB, spans %.2fMiB)",
		s.Goroutines, s.Untrimmed, s.FDs, mib(s.HeapInuse), mib(s.HeapAlloc), s.HeapObjects, mib(s.StackInuse), mib(s.MSpanInuse))
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// progress writes progress lines to w, one at a time; a nil w or a nil
// progress discards them.
type progress struct {
	mu sync.Mutex // protects w
	w  io.Writer
}

func (p *progress) printf(format string, args ...any) {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format+"\n", args...)
}
