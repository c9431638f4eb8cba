package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/geerpclab/geerpc/cluster"
	"github.com/geerpclab/geerpc/geerpc/xclient"
	"github.com/geerpclab/geerpc/internal/provenance"
	"github.com/geerpclab/geerpc/loadgen"
)

// Options configure a matrix run. The zero value runs the default plan in
// process on loopback, peers included, silently.
type Options struct {
	// Plan sizes the run; a zero Plan means PlanFor(SizeDefault).
	Plan Plan
	// Registry, when set, is the URL of a running registry whose instances
	// the modes are measured on, instead of instances started in process.
	Registry string
	// Instances, when set (and Registry is not), lists running instances
	// (protocol@addr) to measure the modes on.
	Instances []string
	// Cluster says where the started instances run: in this process (the
	// zero value) or as child processes, slowed through Toxiproxy.
	Cluster ClusterOptions
	// SkipPeers leaves out the comparison with net/rpc, grpc-go and the
	// ceiling (and the targets that need it).
	SkipPeers bool
	// Progress, when set, receives one line per finished run.
	Progress io.Writer
}

// RunMatrix measures the balancing modes on every workload of the plan and
// the peers side by side, and returns the report, its targets judged.
func RunMatrix(ctx context.Context, o Options) (*Report, error) {
	if o.Plan.Size == "" && o.Plan.Rounds == 0 {
		o.Plan, _ = PlanFor(SizeDefault)
	}
	if err := o.Plan.Validate(); err != nil {
		return nil, err
	}
	o.Plan.Modes = modeNames(o.Plan.modes()) // aliases to the names reports use
	m := &matrix{o: o, plan: o.Plan, prog: newTicker(o, o.Plan)}
	m.rep = &Report{Schema: SchemaVersion, Provenance: provenance.Collect(ctx), Plan: o.Plan, Cluster: clusterLabel(o.Cluster)}
	start := time.Now()
	err := m.run(ctx)
	m.rep.Elapsed = time.Since(start)
	if err != nil {
		return m.rep, err
	}
	m.rep.Targets = judge(m.rep)
	m.rep.Best = bestModes(m.rep)
	return m.rep, nil
}

// matrix is the state of one RunMatrix.
type matrix struct {
	o    Options
	plan Plan
	prog *ticker
	rep  *Report
}

// run runs the experiments in order: peers, the concurrency sweep (which
// finds the saturation rate), the open-loop sweep, then the workloads
// that need latency injected.
func (m *matrix) run(ctx context.Context) error {
	if !m.o.SkipPeers {
		peers, err := m.runPeers(ctx)
		m.rep.Peers = peers
		if err != nil {
			return err
		}
	} else {
		m.note("peers skipped (-peers=false): no comparison with net/rpc, grpc-go or the ceiling")
	}
	if m.o.Registry != "" || len(m.o.Instances) > 0 {
		return m.runRemote(ctx)
	}
	for _, step := range []func(context.Context) error{m.runHealthy, m.runSlow, m.runUnequal} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// clusterLabel names where the started instances run, for the report.
func clusterLabel(o ClusterOptions) string {
	if o.Backend == cluster.Processes {
		return "processes"
	}
	return "in-process"
}

func (m *matrix) note(format string, args ...any) {
	m.rep.Notes = append(m.rep.Notes, fmt.Sprintf(format, args...))
}

// runHealthy runs the concurrency and open-loop sweeps on three healthy
// instances.
func (m *matrix) runHealthy(ctx context.Context) error {
	cl, err := StartClusterOn(ctx, m.o.Cluster, []int{1, 1, 1})
	if err != nil {
		return err
	}
	defer cl.Close()
	return m.sweeps(ctx, cl, "healthy")
}

// sweeps runs the concurrency sweep, then the open-loop sweep at fractions
// of the best throughput it found.
func (m *matrix) sweeps(ctx context.Context, cl *Cluster, workload string) error {
	var specs []cellSpec
	for _, n := range m.plan.InFlight {
		specs = append(specs, m.specs(ExpConcurrency, workload, m.plan.Timeouts.Healthy, func(s *cellSpec) { s.inFlight = n })...)
	}
	if err := m.runCells(ctx, cl, specs); err != nil {
		return err
	}
	best := 0.0
	for _, c := range m.rep.Cells {
		if c.Experiment == ExpConcurrency && c.Workload == workload {
			best = max(best, c.Throughput.Median)
		}
	}
	specs = nil
	for _, f := range m.plan.OpenLoad {
		specs = append(specs, m.specs(ExpOpen, workload, m.plan.Timeouts.Open, func(s *cellSpec) { s.load, s.rate = f, f*best })...)
	}
	return m.runCells(ctx, cl, specs)
}

// runSlow slows the last of three instances by each SlowBy in turn.
func (m *matrix) runSlow(ctx context.Context) error {
	cl, err := StartClusterOn(ctx, m.o.Cluster, []int{1, 1, 1})
	if err != nil {
		return err
	}
	defer cl.Close()
	var specs []cellSpec
	for _, d := range m.plan.SlowBy {
		name := fmt.Sprintf("slow-%dms", d.Milliseconds())
		specs = append(specs, m.specs(ExpSlow, name, m.plan.Timeouts.Slow, func(s *cellSpec) {
			s.inFlight, s.slowBy, s.latency = m.plan.FixedFlight, d, []time.Duration{0, 0, d}
		})...)
	}
	return m.runCells(ctx, cl, specs)
}

// runUnequal weighs the instances by Plan.Weights with matching service
// times.
func (m *matrix) runUnequal(ctx context.Context) error {
	cl, err := StartClusterOn(ctx, m.o.Cluster, m.plan.Weights)
	if err != nil {
		return err
	}
	defer cl.Close()
	lat := m.plan.unequalLatency()
	specs := m.specs(ExpUnequal, "unequal-"+joinInts(m.plan.Weights, ":"), m.plan.Timeouts.Unequal, func(s *cellSpec) {
		s.inFlight, s.latency = m.plan.FixedFlight, lat
	})
	return m.runCells(ctx, cl, specs)
}

// runRemote runs the sweeps on running instances, which cannot be slowed.
func (m *matrix) runRemote(ctx context.Context) error {
	cl, err := RemoteCluster(m.o.Registry, m.o.Instances)
	if err != nil {
		return err
	}
	defer cl.Close()
	m.rep.Cluster = m.o.Registry + strings.Join(m.o.Instances, ",")
	m.note("running instances measured: the slow and unequal workloads need latency injected in process and were skipped")
	return m.sweeps(ctx, cl, "remote")
}

// specs returns one cell per mode of the plan, each set up by set.
func (m *matrix) specs(exp, workload string, timeout time.Duration, set func(*cellSpec)) []cellSpec {
	var out []cellSpec
	for _, mode := range m.plan.modes() {
		s := cellSpec{experiment: exp, workload: workload, mode: mode, timeout: timeout}
		set(&s)
		out = append(out, s)
	}
	return out
}

func joinInts(v []int, sep string) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, sep)
}

// cellSpec is one cell of the matrix to run.
type cellSpec struct {
	experiment, workload string
	mode                 xclient.SelectMode
	inFlight             int     // closed loop
	load, rate           float64 // open loop
	slowBy, timeout      time.Duration
	latency              []time.Duration // extra latency per instance; nil means none
}

// label describes the spec in progress lines.
func (s cellSpec) label() string {
	setting := fmt.Sprintf("in-flight %d", s.inFlight)
	if s.rate > 0 {
		setting = fmt.Sprintf("rate %.0f/s", s.rate)
	}
	return fmt.Sprintf("%-11s %-14s %-20s %s", s.experiment, s.workload, s.mode, setting)
}

// runCells runs every spec once per round, in interleaved order, and adds
// the cells to the report.
func (m *matrix) runCells(ctx context.Context, cl *Cluster, specs []cellSpec) error {
	accs := make([]*cellAcc, len(specs))
	for i := range accs {
		accs[i] = &cellAcc{spec: specs[i], rec: newSpectrum()}
	}
	for round := range m.plan.Rounds {
		for _, a := range accs {
			f, err := m.runOnce(ctx, cl, a.spec, a.rec)
			if err != nil {
				return fmt.Errorf("geerpc: bench: %s: %w", strings.Join(strings.Fields(a.spec.label()), " "), err)
			}
			a.add(f)
			m.prog.done(fmt.Sprintf("%s  round %d/%d", a.spec.label(), round+1, m.plan.Rounds), f.throughput, f.p99)
		}
	}
	for _, a := range accs {
		m.rep.Cells = append(m.rep.Cells, a.cell())
	}
	return nil
}

// runOnce measures one spec once with a fresh XClient.
func (m *matrix) runOnce(ctx context.Context, cl *Cluster, s cellSpec, rec *spectrum) (figures, error) {
	for i := range cl.Size() {
		if err := cl.SetLatency(ctx, i, at(s.latency, i)); err != nil {
			return figures{}, err
		}
	}
	x := cl.Client(s.mode)
	defer x.Close()
	o := loadgen.Options{
		Targets:  []loadgen.Target{loadgen.SleepTarget(m.plan.Service)},
		Duration: m.plan.Duration, Warmup: m.plan.Warmup, Timeout: s.timeout,
		Concurrency: s.inFlight, Observe: rec.observer(m.plan.Warmup),
	}
	if s.rate > 0 {
		o.Pacer, o.Concurrency = loadgen.ConstantPacer{PerSecond: s.rate}, 0
	}
	t := newTally(Invoker(x, s.mode), cl.names, m.plan.Warmup+m.plan.Duration)
	met, err := loadgen.Run(ctx, t, o)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return figures{}, err
	}
	f := figuresOf(met, s.timeout)
	f.instances = t.since(met.Start.Add(m.plan.Warmup))
	return f, nil
}

func at(v []time.Duration, i int) time.Duration {
	if i < len(v) {
		return v[i]
	}
	return 0
}

// sortedKeys returns the keys of a count map, sorted.
func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
