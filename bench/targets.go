package bench

import (
	"fmt"
	"math"
)

// The peers the targets compare.
const (
	peerGee         = "geerpc-gob"
	peerGeeDeadline = "geerpc-gob-deadline" // every call with a deadline, as users call
	peerNetRPC      = "net/rpc"
	peerGRPC        = "grpc-go"
	peerCeiling     = "tcp-ceiling"
	peerFloor       = "tcp-floor"
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
	add(throughputTarget(r, "core", peerGee, peerNetRPC, 2))
	add(throughputTarget(r, "bench", peerGee, peerGRPC, 3))
	add(throughputTarget(r, "deadline", peerGeeDeadline, peerNetRPC, 2.5))
	add(deadlineCostTarget(r))
	add(p99Target(r, "core", peerGee, peerNetRPC))
	add(p99Target(r, "bench", peerGee, peerGRPC))
	add(p99Target(r, "deadline", peerGeeDeadline, peerNetRPC))
	add(floorTarget(r))
	add(inFlightTarget(r, "core", peerGee))
	add(inFlightTarget(r, "deadline", peerGeeDeadline))
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
func ceilingNote(r *Report, gee string, callers int) string {
	g, ok1 := r.FindPeer(gee, callers)
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

// geeName is how a target names a geerpc peer.
func geeName(gee string) string {
	if gee == peerGeeDeadline {
		return "with a deadline per call, "
	}
	return ""
}

func throughputTarget(r *Report, issue, gee, peer string, factor float64) (Verdict, bool) {
	g, ok1 := r.FindPeer(gee, 100)
	p, ok2 := r.FindPeer(peer, 100)
	if !ok1 || !ok2 {
		return Verdict{}, false
	}
	ratio := ratioOf(g.Throughput.Median, p.Throughput.Median)
	name := fmt.Sprintf("100 callers: %sthroughput >= %gx %s's", geeName(gee), factor, peer)
	value := fmt.Sprintf("%.2fx (%.0f vs %.0f calls/s)", ratio, g.Throughput.Median, p.Throughput.Median)
	why := fmt.Sprintf("geerpc did %.0f calls/s, %s %.0f; the gap is %.2fx where %gx was promised.",
		g.Throughput.Median, peer, p.Throughput.Median, ratio, factor) + cpuNote(g, p) + ceilingNote(r, gee, 100)
	return verdictOf(issue, name, ratio >= factor, value, why), true
}

// deadlineCostTarget: a deadline per call costs at most 10% of the
// throughput and one allocation per call beside what context.WithTimeout
// itself allocates (4: its context, timer, timer function and cancel
// function), at 100 callers.
func deadlineCostTarget(r *Report) (Verdict, bool) {
	g, ok1 := r.FindPeer(peerGee, 100)
	d, ok2 := r.FindPeer(peerGeeDeadline, 100)
	if !ok1 || !ok2 {
		return Verdict{}, false
	}
	ratio := ratioOf(d.Throughput.Median, g.Throughput.Median)
	extra := d.AllocsPerCall - g.AllocsPerCall - withTimeoutAllocs
	value := fmt.Sprintf("%.2fx (%.0f vs %.0f calls/s), %+.1f allocations per call beside WithTimeout's %d",
		ratio, d.Throughput.Median, g.Throughput.Median, extra, withTimeoutAllocs)
	why := fmt.Sprintf("with a deadline each call cost %.1fµs of CPU against %.1fµs without; context.WithTimeout's own timer and allocations are part of it.",
		d.CPUPerCall, g.CPUPerCall)
	return verdictOf("deadline", "100 callers: a deadline per call keeps >= 0.9x the throughput, <= +1 allocation", ratio >= 0.9 && extra <= 1.5, value, why), true
}

// withTimeoutAllocs is what context.WithTimeout and its cancel allocate.
const withTimeoutAllocs = 4

func p99Target(r *Report, issue, gee, peer string) (Verdict, bool) {
	g, ok1 := r.FindPeer(gee, 100)
	p, ok2 := r.FindPeer(peer, 100)
	if !ok1 || !ok2 {
		return Verdict{}, false
	}
	name := fmt.Sprintf("100 callers: %sp99 no worse than %s's", geeName(gee), peer)
	value := fmt.Sprintf("%s vs %s", fmtMillis(g.P99.Median), fmtMillis(p.P99.Median))
	why := fmt.Sprintf("geerpc's p50 was %s against %s's %s; its rounds' p99 spread %s..%s.",
		fmtMillis(g.P50.Median), peer, fmtMillis(p.P50.Median), fmtMillis(g.P99.Min), fmtMillis(g.P99.Max))
	return verdictOf(issue, name, g.P99.Median <= p.P99.Median, value, why), true
}

// floorTarget: one caller's latency, with a deadline per call, against the
// caller-reads raw TCP echo of the same run (stretch: 1.25x).
func floorTarget(r *Report) (Verdict, bool) {
	g, ok1 := r.FindPeer(peerGeeDeadline, 1)
	f, ok2 := r.FindPeer(peerFloor, 1)
	if !ok1 || !ok2 {
		return Verdict{}, false
	}
	ratio := ratioOf(f.Throughput.Median, g.Throughput.Median) // latency ratio at one caller
	gl, fl := 1e6/g.Throughput.Median, 1e6/f.Throughput.Median
	value := fmt.Sprintf("%.2fx (%.1fµs vs %.1fµs per call; %.1f vs %.1f goroutine wake-ups per call)",
		ratio, gl, fl, g.WakeupsPerCall, f.WakeupsPerCall)
	why := fmt.Sprintf("one call took %.1fµs on geerpc and %.1fµs on the raw echo, of which the process spent %.1fµs and %.1fµs of CPU; the rest is waiting, for the loopback and for %.1f against %.1f goroutine wake-ups per call (load generator included).",
		gl, fl, g.CPUPerCall, f.CPUPerCall, g.WakeupsPerCall, f.WakeupsPerCall)
	name := "1 caller with a deadline: latency <= 1.5x the caller-reads TCP floor's (stretch 1.25x)"
	return verdictOf("deadline", name, ratio <= 1.5, value, why), true
}

func inFlightTarget(r *Report, issue, gee string) (Verdict, bool) {
	a, ok1 := r.FindPeer(gee, 100)
	b, ok2 := r.FindPeer(gee, 10_000)
	if !ok1 || !ok2 {
		return Verdict{}, false
	}
	ratio := ratioOf(b.Throughput.Median, a.Throughput.Median)
	value := fmt.Sprintf("%.0f%% (%.0f vs %.0f calls/s)", 100*ratio, b.Throughput.Median, a.Throughput.Median)
	why := fmt.Sprintf("with 10,000 callers geerpc did %.0f calls/s against %.0f with 100.", b.Throughput.Median, a.Throughput.Median)
	name := fmt.Sprintf("10,000 in flight: %s>= 80%% of 100 callers' throughput", geeName(gee))
	return verdictOf(issue, name, ratio >= 0.8, value, why), true
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
