package chaos

import (
	"testing"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
)

// leaseResult is a run of one variant over a and c, c's lease lost from 2s
// to 5s of a 9s load (TTL 2s: bound 3.25s), whose view is views.
func leaseResult(views ...ViewChange) *Result {
	return &Result{
		Scenario: &scenario.Scenario{
			Instances: []scenario.InstanceSpec{{Name: "a"}, {Name: "c"}},
			Registry:  scenario.RegistrySpec{Kind: scenario.RegistryEtcd, TTL: scenario.Duration(2 * time.Second)},
			Load:      scenario.LoadSpec{Duration: scenario.Duration(9 * time.Second)},
		},
		Faults: []FaultRecord{{Type: scenario.FaultLeaseLoss, Instances: []string{"c"}, Start: 2 * time.Second, End: 5 * time.Second,
			AppliedAt: 2 * time.Second, ClearedAt: 5050 * time.Millisecond}},
		Variants: []VariantResult{{Name: "p2c/failfast", Mode: "p2c"}},
		raw:      []variantData{{members: views}},
	}
}

func view(at time.Duration, names ...string) ViewChange { return ViewChange{At: at, Instances: names} }

func TestLeaseLossJudgedOnItsLeaveAndReturn(t *testing.T) {
	s, ac, a := time.Second, []string{"a", "c"}, []string{"a"}
	for _, tc := range []struct {
		name        string
		views       []ViewChange
		evict, back string
	}{
		{"out at once, back at once", []ViewChange{view(0, ac...), view(2*s+20*time.Millisecond, a...), view(5*s+10*time.Millisecond, ac...)}, StatusPass, StatusPass},
		{"back before the heal's end was recorded", []ViewChange{view(0, ac...), view(3*s, a...), view(4900*time.Millisecond, ac...)}, StatusPass, StatusPass},
		{"never out", []ViewChange{view(0, ac...)}, StatusFail, StatusPass},
		{"never back", []ViewChange{view(0, ac...), view(2*s, a...)}, StatusPass, StatusFail},
		{"back too late", []ViewChange{view(0, ac...), view(2*s, a...), view(8500*time.Millisecond, ac...)}, StatusPass, StatusFail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := leaseResult(tc.views...)
			ev, back := r.evictWithin(), r.returnedAfterHeal()
			if len(ev) != 1 || len(back) != 1 {
				t.Fatalf("%d eviction and %d return verdicts, want one each", len(ev), len(back))
			}
			if ev[0].Status != tc.evict || back[0].Status != tc.back {
				t.Errorf("eviction %s (%s), return %s (%s); want %s, %s", ev[0].Status, ev[0].Measured, back[0].Status, back[0].Measured, tc.evict, tc.back)
			}
		})
	}
}

func TestLeaseLossReturnCutShortIsReported(t *testing.T) {
	r := leaseResult(view(0, "a", "c"), view(2*time.Second, "a"))
	r.Scenario.Load.Duration = scenario.Duration(6 * time.Second) // 1s after the heal, under the 3.25s bound
	if v := r.returnedAfterHeal(); len(v) != 1 || v[0].Status != StatusInfo {
		t.Fatalf("verdicts %+v, want one info", v)
	}
}
