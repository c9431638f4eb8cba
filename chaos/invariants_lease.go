package chaos

import (
	"fmt"
	"slices"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
)

// returnedAfterHeal: an instance whose etcd lease was lost is back in every
// variant's discovery within TTL + refresh + 1s of the start of the heal
// (its planned end), as its registration puts its key on a new lease once
// it reaches etcd again. A return the end of the load cut short is
// reported, not judged.
func (r *Result) returnedAfterHeal() []Verdict {
	bound := r.Scenario.EvictBound()
	want := fmt.Sprintf("≤ %v after the heal (ttl+refresh+1s)", bound)
	var out []Verdict
	for _, f := range r.Faults {
		if f.Type != scenario.FaultLeaseLoss || f.ClearedAt < 0 {
			continue
		}
		for _, name := range f.Instances {
			out = append(out, r.returned(f, name, bound, want))
		}
	}
	return out
}

// returned checks how long after the heal of fault f every variant's
// discovery listed name again.
func (r *Result) returned(f FaultRecord, name string, bound time.Duration, want string) Verdict {
	const invariant = "back in discovery after the heal"
	healed, end := f.End, r.Scenario.Load.Duration.D()
	scope := fmt.Sprintf("fault #%d %s %s", f.Index, f.Type, name)
	sp := r.delays(healed, bound, func(i int) (time.Duration, bool) { return listedFrom(r.raw[i].members, name, healed) })
	switch {
	case sp.missing > 0 && end-healed < bound:
		return Verdict{Invariant: invariant, Scope: scope, Status: StatusInfo, Want: want,
			Measured: fmt.Sprintf("%d of %d variants not yet when the load ended %s after the heal", sp.missing, len(r.Variants), fmtDur(end-healed))}
	case sp.missing > 0:
		return verdict(false, invariant, scope, want, "%d of %d variants never listed it again", sp.missing, len(r.Variants))
	}
	return timedVerdict(sp.slow == 0, sp.slow == sp.d.n, sp.d, invariant, scope, want,
		"listed again %s..%s after the heal (%d variants)", fmtDur(sp.lo), fmtDur(sp.hi), len(r.Variants))
}

// listedFrom returns when name was first in the view at or after t: t
// itself when the view in force at t listed it.
func listedFrom(views []ViewChange, name string, t time.Duration) (time.Duration, bool) {
	i := 0
	for i < len(views) && views[i].At <= t {
		i++
	}
	if i > 0 && slices.Contains(views[i-1].Instances, name) {
		return t, true
	}
	for _, v := range views[i:] {
		if slices.Contains(v.Instances, name) {
			return v.At, true
		}
	}
	return 0, false
}
