package bench

import (
	"math"
	"time"

	"github.com/geerpclab/geerpc/loadgen"
)

// noReply names the calls no instance was tried for.
const noReply = "(none)"

// figures are what one run of a cell measured.
type figures struct {
	throughput, p50, p99   float64 // calls/s, ms
	timeoutRate, errorRate float64 // 0..1
	lateness               float64 // ms; NaN when no call timed out
	calls, ok, late        int64
	instances, outcomes    map[string]int64
}

// figuresOf reads the figures of a closed loadgen run.
func figuresOf(m *loadgen.Metrics, timeout time.Duration) figures {
	f := figures{
		throughput: m.Throughput, p50: ms(m.Latency.P50), p99: ms(m.Latency.P99),
		lateness: math.NaN(), calls: m.Calls, ok: m.OK, late: m.Late,
		instances: map[string]int64{}, outcomes: map[string]int64{},
	}
	if m.Calls > 0 {
		f.errorRate = float64(m.Calls-m.OK) / float64(m.Calls)
	}
	for _, o := range m.Outcomes {
		if o.Calls == 0 {
			continue
		}
		f.outcomes[o.Outcome.String()] = o.Calls
		if o.Outcome == loadgen.OutcomeTimeout {
			f.timeoutRate = o.Share
			f.lateness = ms(max(o.Latency.P99-timeout, 0))
		}
	}
	for _, g := range m.Instances {
		name := g.Name
		if name == "" {
			name = noReply
		}
		f.instances[name] += g.Calls
	}
	return f // instances: as the replies say; the matrix replaces them by where the calls were sent
}

// failed reports whether the run made no successful call: a failed
// round, kept out of every median.
func (f figures) failed() bool { return f.ok == 0 }

// cellAcc gathers the rounds of one cell.
type cellAcc struct {
	spec cellSpec
	rec  *spectrum
	runs []figures
}

func (a *cellAcc) add(f figures) { a.runs = append(a.runs, f) }

// cell summarises the rounds: medians and spreads, summed counts and
// shares, the merged spectrum.
func (a *cellAcc) cell() Cell {
	s := a.spec
	c := Cell{
		Experiment: s.experiment, Workload: s.workload, Mode: s.mode.String(), InFlight: s.inFlight,
		Load: s.load, Rate: s.rate, SlowBy: s.slowBy, Timeout: s.timeout, Rounds: len(a.runs),
		Throughput:  a.stat(func(f figures) float64 { return f.throughput }),
		P50:         a.stat(func(f figures) float64 { return f.p50 }),
		P99:         a.stat(func(f figures) float64 { return f.p99 }),
		TimeoutRate: a.stat(func(f figures) float64 { return f.timeoutRate }),
		ErrorRate:   a.stat(func(f figures) float64 { return f.errorRate }),
		Lateness:    a.stat(func(f figures) float64 { return f.lateness }),
		Spectrum:    a.rec.quantiles(),
		Outcomes:    map[string]int64{},
	}
	inst := map[string]int64{}
	for _, f := range a.runs {
		if f.failed() {
			c.FailedRounds++
		}
		c.Calls += f.calls
		c.Late += f.late
		addCounts(inst, f.instances)
		addCounts(c.Outcomes, f.outcomes)
	}
	c.Shares = sharesOf(inst)
	return c
}

func (a *cellAcc) stat(get func(figures) float64) Stat {
	v := make([]float64, len(a.runs))
	for i, f := range a.runs {
		v[i] = math.NaN()
		if !f.failed() {
			v[i] = get(f)
		}
	}
	return statOf(v)
}

func addCounts(dst, src map[string]int64) {
	for k, n := range src {
		dst[k] += n
	}
}

// sharesOf lists the calls per instance, sorted by name.
func sharesOf(inst map[string]int64) []Share {
	var total int64
	for _, n := range inst {
		total += n
	}
	var out []Share
	for _, name := range sortedKeys(inst) {
		sh := Share{Instance: name, Calls: inst[name]}
		if total > 0 {
			sh.Share = float64(sh.Calls) / float64(total)
		}
		out = append(out, sh)
	}
	return out
}
