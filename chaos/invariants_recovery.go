package chaos

import (
	"fmt"
	"slices"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/geerpc/xclient"
)

// The bounds of a restarted instance's return: its first answer within
// noticeWithin of its return; from a second after that answer to
// shareWithin after it, a share at least (1 - shareSlack) of a fair one.
const (
	noticeWithin = 5 * time.Second
	shareWithin  = 5 * time.Second
	shareSlack   = 0.2
	// minShareAnswers is the fewest answers in the share window that make
	// a share worth judging.
	minShareAnswers = 50
)

// comebackFaults take an instance down, freeze it or take it out of
// discovery, and bring it back on its address when they end.
var comebackFaults = []scenario.FaultType{scenario.FaultKill, scenario.FaultZombie, scenario.FaultDown, scenario.FaultFreeze, scenario.FaultLeaseLoss}

// restartedLetBackIn: once an instance that was down serves again, P2C
// answers through it within noticeWithin, and from a second after that
// first answer until shareWithin after it (or the end of the load) gives it
// within shareSlack of a fair share, or at least as much as the peer that
// got the least. A low share over a window the end of the load cut short
// is reported, not judged: the share may still return in time. Only the lower side is judged: with a few calls in flight,
// P2C sends most of them to the instance of lowest latency estimate,
// returned or not, so an instance above its fair share is not held out.
// Other modes are reported.
func (r *Result) restartedLetBackIn() []Verdict {
	var out []Verdict
	for _, f := range r.Faults {
		if !slices.Contains(comebackFaults, f.Type) || f.ClearedAt < 0 {
			continue
		}
		for _, name := range f.Instances {
			for i, vr := range r.Variants {
				v := r.letBackIn(i, f, name)
				if vr.Mode != xclient.P2CSelect.String() {
					v.Status, v.Want = StatusInfo, ""
				}
				out = append(out, v)
			}
		}
	}
	return out
}

// letBackIn judges the return of name after fault f in variant i.
func (r *Result) letBackIn(i int, f FaultRecord, name string) Verdict {
	const invariant = "restarted instance let back in"
	_, back := window(f)
	end := r.Scenario.Load.Duration.D()
	scope := fmt.Sprintf("%s, fault #%d %s %s", r.Variants[i].Name, f.Index, f.Type, name)
	want := fmt.Sprintf("first answer ≤ %v after its return; then share ≥ %.0f%% of fair or ≥ the least peer's",
		noticeWithin, (1-shareSlack)*100)
	calls := r.raw[i].calls
	first, ok := firstAnswerOf(calls, name, back)
	switch {
	case !ok && end-back < noticeWithin:
		return Verdict{Invariant: invariant, Scope: scope, Status: StatusInfo, Want: want,
			Measured: fmt.Sprintf("no answer yet when the load ended %s after its return", fmtDur(end-back))}
	case !ok:
		return r.timed(back, end, invariant, scope, want, "no answer in the %s after its return", fmtDur(end-back))
	case first-back > noticeWithin:
		return r.timed(back, first, invariant, scope, want, "first answer %s after its return", fmtDur(first-back))
	}
	from, to := first+time.Second, min(first+shareWithin, end)
	shares, n := answerShares(calls, from, to)
	if n < minShareAnswers {
		return Verdict{Invariant: invariant, Scope: scope, Status: StatusInfo, Want: want,
			Measured: fmt.Sprintf("first answer %s after its return; %d answers after it, too few for a share", fmtDur(first-back), n)}
	}
	fair := 1 / float64(len(r.Scenario.Instances))
	least := 1.0
	for _, in := range r.Scenario.Instances {
		if !slices.Contains(f.Instances, in.Name) {
			least = min(least, shares[in.Name])
		}
	}
	share := shares[name]
	format := "first answer %s after its return; share %.1f%% of %d answers from %s to %s after it (fair %.1f%%, least peer %.1f%%)"
	args := []any{fmtDur(first - back), share * 100, n, fmtDur(from - first), fmtDur(to - first), fair * 100, least * 100}
	if share >= (1-shareSlack)*fair || share >= least {
		return verdict(true, invariant, scope, want, format, args...)
	}
	if to < first+shareWithin { // the share may still return before shareWithin: not judged
		return Verdict{Invariant: invariant, Scope: scope, Status: StatusInfo, Want: want,
			Measured: fmt.Sprintf(format+"; the load ended before %s after it: not judged", append(args, fmtDur(shareWithin))...)}
	}
	return r.timed(back, to, invariant, scope, want, format, args...)
}

// timed is the failed verdict of a breach over [from, to]: inconclusive if
// a measured stall overlapped it, as a stall can hold back the answers and
// reorder P2C's latency estimates by itself.
func (r *Result) timed(from, to time.Duration, invariant, scope, want, format string, args ...any) Verdict {
	d := &doubts{stalls: &r.Stalls}
	excused := d.excused(from, to)
	return timedVerdict(false, excused, d, invariant, scope, want, format, args...)
}

// firstAnswerOf returns when name first answered a call that ended at or
// after t.
func firstAnswerOf(calls []callRecord, name string, t time.Duration) (time.Duration, bool) {
	first, ok := time.Duration(0), false
	for _, c := range calls {
		if c.class == ClassOK && c.instance == name && c.end >= t && (!ok || c.end < first) {
			first, ok = c.end, true
		}
	}
	return first, ok
}

// answerShares returns each instance's share of the answers that ended in
// [from, to), and their number.
func answerShares(calls []callRecord, from, to time.Duration) (map[string]float64, int) {
	counts := map[string]int{}
	n := 0
	for _, c := range calls {
		if c.class == ClassOK && c.end >= from && c.end < to {
			counts[c.instance]++
			n++
		}
	}
	shares := make(map[string]float64, len(counts))
	for name, k := range counts {
		shares[name] = float64(k) / float64(n)
	}
	return shares, n
}
