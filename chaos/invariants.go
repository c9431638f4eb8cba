package chaos

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/geerpc/xclient"
)

// pickGrace is how long after an ejection a pick may still land on the
// ejected instance: a Pick that raced with the balancer's update.
const pickGrace = 2 * time.Millisecond

// judge checks every invariant and fills r.Verdicts.
func (r *Result) judge() {
	s := r.Scenario
	for i := range r.Variants {
		r.add(r.endOnce(i))
	}
	r.add(r.resources()...)
	r.add(r.faultsApplied())
	t := s.Thresholds
	for _, th := range t.MaxShare {
		r.add(r.maxShare(th)...)
	}
	for _, th := range t.MinSuccess {
		r.add(r.minSuccess(th)...)
	}
	if t.TimeoutAtDeadline {
		r.add(r.timeoutAtDeadline()...)
	}
	if t.EvictWithin {
		r.add(r.evictWithin()...)
	}
	if t.EjectWithinFailures {
		r.add(r.ejectWithinFailures()...)
	}
	if t.NoFailuresRegistryDown {
		r.add(r.noFailuresRegistryDown()...)
	}
	r.add(r.recoveries()...)
	r.add(r.restartedLetBackIn()...)
	r.add(r.returnedAfterHeal()...)
	r.add(r.stallVerdict())
}

func (r *Result) add(vs ...Verdict) { r.Verdicts = append(r.Verdicts, vs...) }

func verdict(ok bool, invariant, scope, want, format string, args ...any) Verdict {
	status := StatusPass
	if !ok {
		status = StatusFail
	}
	return Verdict{Invariant: invariant, Scope: scope, Status: status, Measured: fmt.Sprintf(format, args...), Want: want}
}

// doubts gathers the breaches of a timing invariant that a measured stall
// overlapped: the machine, not the system under test, may have caused them.
type doubts struct {
	stalls *Stalls
	n      int    // breaches a stall overlapped
	worst  *Stall // the largest of those stalls
}

// excused reports whether a stall overlapped a breach that spanned
// [from, to], and counts the breach if so.
func (d *doubts) excused(from, to time.Duration) bool {
	s, ok := d.stalls.during(from, to)
	if !ok {
		return false
	}
	d.n++
	if d.worst == nil || s.Max > d.worst.Max {
		d.worst = &s
	}
	return true
}

// timedVerdict is verdict for a timing invariant: it passes if ok; it is
// inconclusive if it would pass with the breaches in d excused and there
// are some; else it fails. The verdict names the largest stall.
func timedVerdict(ok, okExcused bool, d *doubts, invariant, scope, want, format string, args ...any) Verdict {
	v := verdict(ok, invariant, scope, want, format, args...)
	if ok || d.n == 0 {
		return v
	}
	v.Measured += fmt.Sprintf("; %d of them during stalls, the largest a %s", d.n, d.worst)
	if okExcused {
		v.Status, v.Stall = StatusInconclusive, d.worst
	}
	return v
}

// timeBound reports whether a call failed in a way a stall alone can cause:
// its deadline passed, or every instance was ejected after failures. (With
// failfast, a call whose request or reply a fault dropped times out
// whatever the machine does; the success ratio does not excuse those.)
func timeBound(c callRecord) bool {
	return c.class == ClassTimeout || c.class == ClassEjected
}

// endOnce: every call ends exactly once, ok with its own nonce or with a
// classified error, within its deadline plus the slack.
func (r *Result) endOnce(i int) Verdict {
	slack := r.Scenario.Thresholds.SlackOrDefault()
	var bad, lost, dup int
	var worst time.Duration = -1 << 62
	unclassified := map[Class]int{}
	d := &doubts{stalls: &r.Stalls}
	for _, c := range r.raw[i].all {
		switch {
		case c.ends == 0 || c.observed == 0:
			lost++
		case c.ends > 1 || c.observed > 1:
			dup++
		}
		if c.class == ClassInvalid || c.class == ClassOther || (c.class == ClassCanceled && !r.Interrupted) {
			unclassified[c.class]++
		}
		if c.deadline != 0 && c.ends > 0 {
			worst = max(worst, c.end-c.deadline)
			if c.end-c.deadline > slack {
				bad++
				d.excused(c.deadline, c.end)
			}
		}
	}
	n := len(r.raw[i].all)
	once := lost == 0 && dup == 0 && len(unclassified) == 0 && n > 0
	return timedVerdict(once && bad == 0, once && bad == d.n, d, "calls end once, in time", r.Variants[i].Name, fmt.Sprintf("each once; ≤ deadline+%v", slack),
		"%d calls: %d lost, %d twice, %s unclassified, %d late (latest %s from deadline)",
		n, lost, dup, countText(unclassified), bad, fmtOffset(worst))
}

// countText lists counts by class, or "0".
func countText(m map[Class]int) string {
	var parts []string
	for _, c := range classes {
		if m[c] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[c], c))
		}
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, ", ")
}

// resources: no goroutine or file-descriptor growth.
func (r *Result) resources() []Verdict {
	b, a := r.Resources.Before, r.Resources.After
	out := []Verdict{verdict(a.Goroutines <= b.Goroutines, "no goroutine growth", "run", "after ≤ before",
		"%d before, %d after", b.Goroutines, a.Goroutines)}
	if b.FDs >= 0 {
		out = append(out, verdict(a.FDs <= b.FDs, "no fd growth", "run", "after ≤ before", "%d before, %d after", b.FDs, a.FDs))
	}
	return out
}

// faultsApplied: every fault took effect and was undone.
func (r *Result) faultsApplied() Verdict {
	var errs []string
	for _, f := range r.Faults {
		switch {
		case f.Err != "":
			errs = append(errs, fmt.Sprintf("#%d %s: %s", f.Index, f.Type, f.Err))
		case f.AppliedAt < 0 && !r.Interrupted:
			errs = append(errs, fmt.Sprintf("#%d %s never applied", f.Index, f.Type))
		case f.AppliedAt >= 0 && f.ClearedAt < 0:
			errs = append(errs, fmt.Sprintf("#%d %s never undone", f.Index, f.Type))
		}
	}
	m := fmt.Sprintf("%d faults applied and undone", len(r.Faults))
	if len(errs) > 0 {
		m = strings.Join(errs, "; ")
	}
	return verdict(len(errs) == 0, "faults applied and undone", "run", "no error", "%s", m)
}

// maxShare: the instance's share of the mode's calls during the windows of
// the faults that target it. Every mode's share is reported beside it. A
// share over the bound is inconclusive if a measured stall overlapped one
// of those windows: the stall can hide a slow instance from P2C, whose
// estimates then measure the machine.
func (r *Result) maxShare(th scenario.ShareThreshold) []Verdict {
	var out []Verdict
	invariant, want := "share of "+th.Instance+" during its faults", fmt.Sprintf("≤ %.1f%%", th.Max*100)
	for i, vr := range r.Variants {
		share, calls := r.shareDuring(i, th.Instance)
		measured := fmt.Sprintf("%.1f%% of %d calls, p99 %s", share*100, calls, fmtDur(r.p99During(i, th.Instance)))
		switch {
		case vr.Mode != scenario.CanonicalMode(th.Mode):
			out = append(out, Verdict{Invariant: invariant, Scope: vr.Name, Status: StatusInfo, Measured: measured})
		case share <= th.Max:
			out = append(out, verdict(true, invariant, vr.Name, want, "%s", measured))
		default:
			d := &doubts{stalls: &r.Stalls}
			excused := false
			for _, f := range r.Faults {
				if slices.Contains(f.Instances, th.Instance) {
					excused = d.excused(window(f)) || excused
				}
			}
			out = append(out, timedVerdict(false, excused, d, invariant, vr.Name, want, "%s", measured))
		}
	}
	return out
}

// shareDuring returns the share of variant i's calls started during the
// faults targeting name that went to name, and the number of calls.
func (r *Result) shareDuring(i int, name string) (float64, int) {
	var n, hit int
	for _, c := range r.raw[i].calls {
		if r.inFaultOf(c.start, name) {
			n++
			if c.instance == name {
				hit++
			}
		}
	}
	if n == 0 {
		return 0, 0
	}
	return float64(hit) / float64(n), n
}

// p99During returns the p99 latency of variant i's calls started during the
// faults targeting name.
func (r *Result) p99During(i int, name string) time.Duration {
	var lats []time.Duration
	for _, c := range r.raw[i].calls {
		if r.inFaultOf(c.start, name) {
			lats = append(lats, c.latency)
		}
	}
	slices.Sort(lats)
	return quantile(lats, 0.99)
}

// inFaultOf reports whether t falls in the window of a fault targeting name.
func (r *Result) inFaultOf(t time.Duration, name string) bool {
	for _, f := range r.Faults {
		from, to := window(f)
		if slices.Contains(f.Instances, name) && t >= from && t < to {
			return true
		}
	}
	return false
}

// minSuccess: the success ratio of the fail mode's variants.
func (r *Result) minSuccess(th scenario.SuccessThreshold) []Verdict {
	var out []Verdict
	for i, vr := range r.Variants {
		if vr.FailMode != th.FailMode {
			continue
		}
		d := &doubts{stalls: &r.Stalls}
		failfast := vr.FailMode == xclient.Failfast.String()
		for _, c := range r.raw[i].calls {
			if _, dropped := r.raw[i].dropped[c.seq]; timeBound(c) && !(failfast && dropped) {
				d.excused(c.start, c.end)
			}
		}
		excused := vr.Calls > 0 && float64(vr.OK+int64(d.n))/float64(vr.Calls) >= th.Min
		out = append(out, timedVerdict(vr.Success >= th.Min, excused, d, "success ratio", vr.Name, fmt.Sprintf("≥ %.2f%%", th.Min*100),
			"%.3f%% (%d of %d)", vr.Success*100, vr.OK, vr.Calls))
	}
	return out
}

// timeoutAtDeadline: with failfast, each call whose reply or request was
// dropped fails as a timeout at its deadline, not later (nor much earlier).
func (r *Result) timeoutAtDeadline() []Verdict {
	slack := r.Scenario.Thresholds.SlackOrDefault()
	var out []Verdict
	for i, vr := range r.Variants {
		if vr.FailMode != xclient.Failfast.String() {
			continue
		}
		var n, wrong int
		var early, late time.Duration
		d := &doubts{stalls: &r.Stalls}
		for _, c := range r.raw[i].calls {
			if _, ok := r.raw[i].dropped[c.seq]; !ok {
				continue
			}
			n++
			off := c.end - c.deadline
			early, late = min(early, off), max(late, off)
			switch {
			case c.class != ClassTimeout || off < -5*time.Millisecond:
				wrong++
			case off > slack:
				wrong++
				d.excused(c.deadline, c.end)
			}
		}
		out = append(out, timedVerdict(wrong == 0, wrong == d.n, d, "dropped calls time out at deadline", vr.Name,
			fmt.Sprintf("timeout, deadline-5ms..+%v", slack), "%d dropped: %d not so; ended %s..%s from deadline",
			n, wrong, fmtOffset(early), fmtOffset(late)))
	}
	return out
}
