package chaos

import (
	"fmt"
	"slices"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/geerpc/xclient"
)

// evictWithin: an instance whose heartbeats stopped (dead_heartbeat,
// zombie) or whose etcd lease was lost leaves every variant's discovery
// within TTL + refresh + 1s of the fault; in etcd the TTL is the lease's.
func (r *Result) evictWithin() []Verdict {
	bound := r.Scenario.EvictBound()
	want := fmt.Sprintf("≤ %v (ttl+refresh+1s)", bound)
	var out []Verdict
	for _, f := range r.Faults {
		if !slices.Contains(evictFaults, f.Type) {
			continue
		}
		for _, name := range f.Instances {
			out = append(out, r.eviction(f, name, bound, want))
		}
	}
	return out
}

// evictFaults take an instance's registration away while it may serve on.
var evictFaults = []scenario.FaultType{scenario.FaultDeadHeartbeat, scenario.FaultZombie, scenario.FaultLeaseLoss}

// eviction checks how long after fault f stopped name's heartbeats (or
// took its lease) every variant's discovery took to drop it.
func (r *Result) eviction(f FaultRecord, name string, bound time.Duration, want string) Verdict {
	from, to := window(f)
	sp := r.delays(from, bound, func(i int) (time.Duration, bool) { return leftAt(r.raw[i].members, name, from, to) })
	scope := fmt.Sprintf("fault #%d %s %s", f.Index, f.Type, name)
	if sp.missing > 0 {
		return verdict(false, "evicted from discovery", scope, want, "%d of %d variants never saw it leave", sp.missing, len(r.Variants))
	}
	return timedVerdict(sp.slow == 0, sp.slow == sp.d.n, sp.d, "evicted from discovery", scope, want,
		"left discovery %s..%s after the fault (%d variants)", fmtDur(sp.lo), fmtDur(sp.hi), len(r.Variants))
}

// spread is how long after a moment an event came, over the variants: the
// least and largest delays, the variants it never came to, and those it
// came to later than a bound (the stalls that overlapped those in d).
type spread struct {
	lo, hi        time.Duration
	missing, slow int
	d             *doubts
}

// delays measures the delay after from of the event that at finds in
// variant i, against bound.
func (r *Result) delays(from, bound time.Duration, at func(i int) (time.Duration, bool)) spread {
	sp := spread{lo: 1 << 62, d: &doubts{stalls: &r.Stalls}}
	for i := range r.Variants {
		t, ok := at(i)
		if !ok {
			sp.missing++
			continue
		}
		sp.lo, sp.hi = min(sp.lo, t-from), max(sp.hi, t-from)
		if t-from > bound {
			sp.slow++
			sp.d.excused(from, t)
		}
	}
	return sp
}

// leftAt returns when name first left the view in [from, to).
func leftAt(views []ViewChange, name string, from, to time.Duration) (time.Duration, bool) {
	for _, v := range views {
		if v.At >= from && v.At < to && !slices.Contains(v.Instances, name) {
			return v.At, true
		}
	}
	return 0, false
}

// cameBackAt returns when name was first back in the view after t, or
// limit.
func cameBackAt(views []ViewChange, name string, t, limit time.Duration) time.Duration {
	for _, v := range views {
		if v.At > t && v.At < limit && slices.Contains(v.Instances, name) {
			return v.At
		}
	}
	return limit
}

// ejectWithinFailures: with failfast, once a blackholed instance's
// eject_after-th call failed, no further attempt goes to it until it returns
// from ejection.
func (r *Result) ejectWithinFailures() []Verdict {
	k := r.Scenario.Client.EjectAfter
	if k == 0 {
		k = xclient.DefaultEjectAfter
	}
	want := fmt.Sprintf("ejected by failure %d, then no attempt", k)
	var out []Verdict
	for _, f := range r.Faults {
		if f.Type != scenario.FaultBlackhole {
			continue
		}
		for _, name := range f.Instances {
			for i, vr := range r.Variants {
				if vr.FailMode == xclient.Failfast.String() {
					scope := fmt.Sprintf("%s, fault #%d %s", vr.Name, f.Index, name)
					out = append(out, r.ejection(i, f, name, k, scope, want))
				}
			}
		}
	}
	return out
}

// ejection checks the first ejection of name by variant i during fault f.
func (r *Result) ejection(i int, f FaultRecord, name string, k int, scope, want string) Verdict {
	from, to := window(f)
	fails := timeoutsOn(r.raw[i].calls, name, from, to)
	if len(fails) < k {
		// Fewer than k calls failed there: the balancer kept traffic away by
		// itself, which the invariant allows as long as fewer than k attempts
		// went there at all.
		n := countIn(r.raw[i].picks[name], from, to)
		return verdict(n < k, "blackholed instance ejected", scope, want,
			"not needed: %d attempts reached it during the fault, %d failed", n, len(fails))
	}
	kth := fails[k-1]
	ejected, ok := leftAt(r.raw[i].views, name, from, to)
	if !ok {
		return verdict(false, "blackholed instance ejected", scope, want, "never ejected (%d failures)", len(fails))
	}
	back := cameBackAt(r.raw[i].views, name, ejected, to)
	picks := r.raw[i].picks[name]
	before, after := countIn(picks, from, kth+pickGrace+1), countIn(picks, kth+pickGrace+1, back)
	ok = ejected <= kth+pickGrace && after == 0
	return verdict(ok, "blackholed instance ejected", scope, want,
		"ejected %s after the fault, %s before failure %d returned; %d attempts after, %d before",
		fmtDur(ejected-from), fmtDur(kth-ejected), k, after, before)
}

// timeoutsOn returns, sorted, when the calls started in [from, to) that
// timed out on name ended.
func timeoutsOn(calls []callRecord, name string, from, to time.Duration) []time.Duration {
	var ends []time.Duration
	for _, c := range calls {
		if c.instance == name && c.class == ClassTimeout && c.start >= from && c.start < to {
			ends = append(ends, c.end)
		}
	}
	slices.Sort(ends)
	return ends
}

// countIn counts the times in [from, to).
func countIn(ts []time.Duration, from, to time.Duration) int {
	n := 0
	for _, t := range ts {
		if t >= from && t < to {
			n++
		}
	}
	return n
}

// noFailuresRegistryDown: no call fails while the registry is down, nor
// within a refresh interval after it is back.
func (r *Result) noFailuresRegistryDown() []Verdict {
	grace := r.Scenario.Registry.RefreshOrDefault()
	var out []Verdict
	for _, f := range r.Faults {
		if f.Type != scenario.FaultRegistryDown {
			continue
		}
		from, to := window(f)
		for i, vr := range r.Variants {
			var n, bad int
			d := &doubts{stalls: &r.Stalls}
			for _, c := range r.raw[i].calls {
				if c.start >= from && c.start < to+grace {
					n++
					if c.class != ClassOK {
						bad++
					}
					if timeBound(c) {
						d.excused(c.start, c.end)
					}
				}
			}
			scope := fmt.Sprintf("%s, fault #%d", vr.Name, f.Index)
			out = append(out, timedVerdict(bad == 0 && n > 0, n > 0 && bad == d.n, d, "no failure while registry down", scope, "0 failed",
				"%d of %d calls failed", bad, n))
		}
	}
	return out
}

// recoveries reports, per fault, the time from its end until each
// variant's error rate was back to its baseline.
func (r *Result) recoveries() []Verdict {
	var out []Verdict
	for _, f := range r.Faults {
		lo, hi, never := time.Duration(1<<62), time.Duration(0), 0
		for _, vr := range r.Variants {
			if f.Index >= len(vr.Windows) {
				continue
			}
			rec := vr.Windows[f.Index].Recovery
			if rec < 0 {
				never++
				continue
			}
			lo, hi = min(lo, rec), max(hi, rec)
		}
		m := fmt.Sprintf("%s..%s after the fault ended", fmtDur(lo), fmtDur(hi))
		if never > 0 {
			m += fmt.Sprintf("; %d variants not within the run", never)
		}
		if never == len(r.Variants) {
			m = "no variant within the run"
		}
		iv := r.Scenario.Load.IntervalOrDefault()
		out = append(out, Verdict{Invariant: "recovery to baseline error rate", Scope: fmt.Sprintf("fault #%d %s", f.Index, f.Type),
			Status: StatusInfo, Measured: m, Want: fmt.Sprintf("reported (±%v)", iv)})
	}
	return out
}

// fmtDur formats d to about three significant digits.
func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// fmtOffset formats a signed offset, e.g. "+1.2ms".
func fmtOffset(d time.Duration) string {
	if d == -1<<62 {
		return "n/a"
	}
	if d < 0 {
		return "-" + fmtDur(-d)
	}
	return "+" + fmtDur(d)
}
