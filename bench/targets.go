package bench

import (
	"fmt"
	"math"
)

// The peers the targets compare.
const (
	peerGee     = "geerpc-gob"
	peerNetRPC  = "net/rpc"
	peerGRPC    = "grpc-go"
	peerCeiling = "tcp-ceiling"
)

// judge checks the targets of the core issue and of this one against the
// report's figures. A target whose cells were not measured is left out.
func judge(r *Report) []Verdict {
	var vs []Verdict
	add := func(v Verdict, ok bool) {
		if ok {
			vs = append(vs, v)
		}
	}
	add(throughputTarget(r, "core", peerNetRPC, 2))
	add(throughputTarget(r, "bench", peerGRPC, 3))
	add(p99Target(r, "core", peerNetRPC))
	add(p99Target(r, "bench", peerGRPC))
	add(latencyTarget(r))
	add(inFlightTarget(r))
	add(allocTarget(r))
	add(p2cTarget(r))
	return vs
}

func verdictOf(issue, name string, met bool, value, why string) Verdict {
	v := Verdict{Issue: issue, Name: name, Met: met, Value: value}
	if !met {
		v.Why = why
	}
	return v
}

// ceilingNote says how far geerpc is from the raw TCP ceiling at callers.
func ceilingNote(r *Report, callers int) string {
	g, ok1 := r.FindPeer(peerGee, callers)
	c, ok2 := r.FindPeer(peerCeiling, callers)
	if !ok1 || !ok2 || c.Throughput.Median == 0 {
		return ""
	}
	return fmt.Sprintf(" The raw TCP echo reached %.0f calls/s on the same cores, so geerpc ran at %.0f%% of what one loopback connection carried here; client, server and load generator share the machine's cores.",
		c.Throughput.Median, 100*g.Throughput.Median/c.Throughput.Median)
}

// cpuNote compares the CPU per call of geerpc and a peer: once the cores
// are saturated, throughput follows it.
func cpuNote(g, p PeerCell) string {
	if g.CPUPerCall <= 0 || p.CPUPerCall <= 0 {
		return ""
	}
	return fmt.Sprintf(" The process spent %.1fµs of CPU per geerpc call and %.1fµs per %s call (client, server and load generator): %.2fx; where both keep the cores busy, the throughput ratio follows this one.",
		g.CPUPerCall, p.CPUPerCall, p.Peer, p.CPUPerCall/g.CPUPerCall)
}

func throughputTarget(r *Report, issue, peer string, factor float64) (Verdict, bool) {
	g, ok1 := r.FindPeer(peerGee, 100)
	p, ok2 := r.FindPeer(peer, 100)
	if !ok1 || !ok2 {
		return Verdict{}, false
	}
	ratio := ratioOf(g.Throughput.Median, p.Throughput.Median)
	name := fmt.Sprintf("100 callers: throughput >= %gx %s's", factor, peer)
	value := fmt.Sprintf("%.2fx (%.0f vs %.0f calls/s)", ratio, g.Throughput.Median, p.Throughput.Median)
	why := fmt.Sprintf("geerpc did %.0f calls/s, %s %.0f; the gap is %.2fx where %gx was promised.",
		g.Throughput.Median, peer, p.Throughput.Median, ratio, factor) + cpuNote(g, p) + ceilingNote(r, 100)
	return verdictOf(issue, name, ratio >= factor, value, why), true
}

func p99Target(r *Report, issue, peer string) (Verdict, bool) {
	g, ok1 := r.FindPeer(peerGee, 100)
	p, ok2 := r.FindPeer(peer, 100)
	if !ok1 || !ok2 {
		return Verdict{}, false
	}
	name := fmt.Sprintf("100 callers: p99 no worse than %s's", peer)
	value := fmt.Sprintf("%s vs %s", fmtMillis(g.P99.Median), fmtMillis(p.P99.Median))
	why := fmt.Sprintf("geerpc's p50 was %s against %s's %s; its rounds' p99 spread %s..%s.",
		fmtMillis(g.P50.Median), peer, fmtMillis(p.P50.Median), fmtMillis(g.P99.Min), fmtMillis(g.P99.Max))
	return verdictOf(issue, name, g.P99.Median <= p.P99.Median, value, why), true
}

func latencyTarget(r *Report) (Verdict, bool) {
	g, ok1 := r.FindPeer(peerGee, 1)
	n, ok2 := r.FindPeer(peerNetRPC, 1)
	if !ok1 || !ok2 {
		return Verdict{}, false
	}
	ratio := ratioOf(n.Throughput.Median, g.Throughput.Median) // latency ratio at one caller
	gl, nl := 1e6/g.Throughput.Median, 1e6/n.Throughput.Median
	value := fmt.Sprintf("%.2fx (%.1fµs vs %.1fµs per call)", ratio, gl, nl)
	why := fmt.Sprintf("one call round trip took %.1fµs on geerpc and %.1fµs on net/rpc, of which the process spent %.1fµs and %.1fµs of CPU: the rest is waiting, for the loopback round trip and the scheduler's wake-ups, which the frameworks share.%s",
		gl, nl, g.CPUPerCall, n.CPUPerCall, ceilingNote(r, 1))
	return verdictOf("core", "1 caller: latency <= 0.7x net/rpc's", ratio <= 0.7, value, why), true
}

func inFlightTarget(r *Report) (Verdict, bool) {
	a, ok1 := r.FindPeer(peerGee, 100)
	b, ok2 := r.FindPeer(peerGee, 10_000)
	if !ok1 || !ok2 {
		return Verdict{}, false
	}
	ratio := ratioOf(b.Throughput.Median, a.Throughput.Median)
	value := fmt.Sprintf("%.0f%% (%.0f vs %.0f calls/s)", 100*ratio, b.Throughput.Median, a.Throughput.Median)
	why := fmt.Sprintf("with 10,000 callers geerpc did %.0f calls/s against %.0f with 100.", b.Throughput.Median, a.Throughput.Median)
	return verdictOf("core", "10,000 in flight: >= 80% of 100 callers' throughput", ratio >= 0.8, value, why), true
}

func allocTarget(r *Report) (Verdict, bool) {
	g, ok1 := r.FindPeer(peerGee, 100)
	n, ok2 := r.FindPeer(peerNetRPC, 100)
	if !ok1 || !ok2 {
		return Verdict{}, false
	}
	value := fmt.Sprintf("%.1f vs %.1f per call", g.AllocsPerCall, n.AllocsPerCall)
	why := fmt.Sprintf("geerpc allocated %.1f times per call (client and server, 100 callers, the load generator's own subtracted) against net/rpc's %.1f; both encode with encoding/gob.",
		g.AllocsPerCall, n.AllocsPerCall)
	return verdictOf("core", "allocations per call <= half of net/rpc's", g.AllocsPerCall <= n.AllocsPerCall/2, value, why), true
}

func p2cTarget(r *Report) (Verdict, bool) {
	p, ok1 := r.FindCell(ExpSlow, "slow-50ms", "p2c")
	rr, ok2 := r.FindCell(ExpSlow, "slow-50ms", "round-robin")
	if !ok1 || !ok2 {
		return Verdict{}, false
	}
	ratio := ratioOf(p.P99.Median, rr.P99.Median)
	value := fmt.Sprintf("%.2fx (%s vs %s)", ratio, fmtMillis(p.P99.Median), fmtMillis(rr.P99.Median))
	why := fmt.Sprintf("P2C still sent the slowed instance %s of the calls; above 1%% of the calls, those set the p99.",
		sharePct(p, "i3"))
	return verdictOf("bench", "one instance slowed by 50ms: P2C's p99 <= 1/3 of round robin's", ratio <= 1.0/3, value, why), true
}

// ratioOf is a/b, +Inf for a positive a over a zero b, and NaN (which
// meets no target) when both are zero.
func ratioOf(a, b float64) float64 {
	if b == 0 {
		if a == 0 {
			return math.NaN()
		}
		return math.Inf(1)
	}
	return a / b
}

// sharePct formats the share of instance in c.
func sharePct(c Cell, instance string) string {
	for _, s := range c.Shares {
		if s.Instance == instance {
			return fmt.Sprintf("%.2f%%", 100*s.Share)
		}
	}
	return "0%"
}

// FindCell returns the cell of mode in the given experiment and workload
// at the plan's fixed in-flight count (or its only setting).
func (r *Report) FindCell(exp, workload, mode string) (Cell, bool) {
	for _, c := range r.Cells {
		if c.Experiment == exp && c.Workload == workload && c.Mode == mode {
			return c, true
		}
	}
	return Cell{}, false
}

// Missed returns the names of the missed targets.
func (r *Report) Missed() []string {
	var out []string
	for _, v := range r.Targets {
		if !v.Met {
			out = append(out, v.Name)
		}
	}
	return out
}

// mark is how a verdict reads in text.
func mark(met bool) string {
	if met {
		return "met"
	}
	return "MISSED"
}
