package chaos

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/internal/provenance"
	"github.com/geerpclab/geerpc/loadgen"
	"golang.org/x/sync/errgroup"
)

// SchemaVersion names the JSON results' schema (see SCENARIOS.md).
const SchemaVersion = "geerpc.chaos/v1"

// Options configure Run. The zero value works.
type Options struct {
	// Seed, when not zero, replaces the scenario's seed.
	Seed uint64
	// Settle is how long Run waits, after tearing the run down, for
	// goroutines and file descriptors to return to their count before it;
	// zero means 5s.
	Settle time.Duration
	// Logger receives progress: faults on and off, variants done. Nil means
	// no logging.
	Logger *slog.Logger
	// Provenance is recorded in the results; the zero value means
	// provenance.Collect at the start of the run.
	Provenance provenance.Info
	// Cluster says where the instances run; the zero value runs them in
	// this process.
	Cluster ClusterOptions
}

// Run runs scenario s: it starts the registry and the instances behind their
// proxies, drives every variant (each balancing mode with each fail mode) at
// once through its own XClient while the fault timeline plays, then tears
// everything down and checks the invariants. All variants see the same
// faults at the same moments, so they compare side by side.
//
// When ctx ends early, every fault is undone, the run is torn down and the
// Result holds what was measured, with Interrupted set; the error then
// wraps ErrInterrupted. Other errors mean the run could not start.
func Run(ctx context.Context, s *scenario.Scenario, opts Options) (*Result, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := CheckApplicable(s, opts.Cluster); err != nil {
		return nil, err
	}
	res := newResult(ctx, s, opts)
	before := sampleResources()
	runErr := execute(ctx, s, res, opts)
	after := settle(ctx, before, cmp.Or(opts.Settle, 5*time.Second))
	res.Resources = Resources{Before: before, After: after}
	if runErr != nil && len(res.Variants) == 0 {
		return nil, runErr
	}
	res.Interrupted = ctx.Err() != nil
	res.judge()
	if res.Interrupted {
		return res, fmt.Errorf("%w: %s: %w", ErrInterrupted, s.Name, context.Cause(ctx))
	}
	return res, runErr
}

func newResult(ctx context.Context, s *scenario.Scenario, opts Options) *Result {
	seed := s.Seed
	if opts.Seed != 0 {
		seed = opts.Seed
	}
	if seed == 0 {
		seed = 1
	}
	prov := opts.Provenance
	if prov.GoVersion == "" {
		prov = provenance.Collect(ctx)
	}
	return &Result{Schema: SchemaVersion, Provenance: prov, Scenario: s, Seed: seed, Start: time.Now()}
}

// execute builds the cluster and variants, runs the load and the faults,
// and tears everything down, filling res.
func execute(ctx context.Context, s *scenario.Scenario, res *Result, opts Options) error {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c, err := startCluster(ctx, s, res.Seed, opts.Cluster)
	if err != nil {
		return err
	}
	defer c.close()
	clk := &clock{}
	vs, err := newVariants(ctx, s, c, clk, res.Seed)
	defer func() {
		for _, v := range vs {
			v.close()
		}
	}()
	if err != nil {
		return err
	}
	for _, v := range vs {
		if err := v.waitReady(ctx, len(c.ins)); err != nil {
			return err
		}
	}
	if err := warmUp(ctx, vs, s.Load.PayloadOrDefault()); err != nil {
		return err
	}
	res.Faults = newFaultRecords(s)
	drive(ctx, c, clk, vs, res, log)
	stats, dropped, err := c.callReports(context.WithoutCancel(ctx))
	if err != nil {
		log.Warn("chaos: call-fault counts incomplete", "err", err)
	}
	if hasCallFaults(s) {
		res.CallFaults = stats
	}
	res.collect(s, dropped, vs)
	return nil
}

// drive runs the load of every variant and the fault timeline of res from
// the same start, and returns when all calls have ended and every fault is
// undone, with the stalls measured meanwhile in res.
func drive(ctx context.Context, c *cluster, clk *clock, vs []*variant, res *Result, log *slog.Logger) {
	s, recs, sw := res.Scenario, res.Faults, &stallWatch{}
	clk.t0 = time.Now()
	// The watches run until the last call has ended, in an interrupted run
	// too: the calls in flight at the interrupt end after it.
	wctx, stopWatch := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { watchMembers(wctx, vs) })
	wg.Go(func() { sw.watch(wctx, clk) })
	wg.Go(func() { schedule(ctx, c, clk.t0, recs, log) })
	var loads sync.WaitGroup
	for _, v := range vs {
		loads.Go(func() {
			m, err := loadgen.Run(ctx, v, loadOptions(s, v, &res.Provenance))
			v.summary, v.loadErr = m, err
			log.Info("chaos: variant done", "variant", v.name)
		})
	}
	loads.Wait()
	stopWatch()
	wg.Wait()
	res.Stalls = sw.stalls()
}

// loadOptions returns the loadgen options of variant v. The run's
// provenance is given, so that no variant runs git once the clock started.
func loadOptions(s *scenario.Scenario, v *variant, prov *provenance.Info) loadgen.Options {
	o := loadgen.Options{
		Targets:    []loadgen.Target{v.target(s.Load.PayloadOrDefault())},
		Duration:   s.Load.Duration.D(),
		Timeout:    s.Load.Timeout.D(),
		Interval:   s.Load.IntervalOrDefault(),
		Observe:    v.rec.observe,
		Provenance: prov,
	}
	if s.Load.Rate > 0 {
		o.Pacer = loadgen.ConstantPacer{PerSecond: s.Load.Rate}
	} else {
		o.Concurrency = s.Load.Concurrency
	}
	return o
}

// warmUp warms every variant at once before the clock starts, and stops
// them all at the first that fails; see (*variant).warmUp.
func warmUp(ctx context.Context, vs []*variant, payload int) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, v := range vs {
		g.Go(func() error { return v.warmUp(ctx, payload) })
	}
	return g.Wait()
}
