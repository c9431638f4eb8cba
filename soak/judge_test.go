package soak

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/chaos"
	"github.com/geerpclab/geerpc/chaos/scenario"
)

// passing returns a Result whose figures pass every check; tests break one.
func passing() *Result {
	ok := Accounts{Sent: 100, Ended: 100, Observed: 100, Classes: map[chaos.Class]int64{chaos.ClassOK: 90, chaos.ClassTimeout: 10}}
	return &Result{
		Duration: time.Minute, Elapsed: time.Minute, Tolerance: 0.10, Fraction: 0.7, Rate: 700,
		Saturation: Saturation{Rate: 1000},
		Baseline:   Sample{Goroutines: 100, FDs: 40, HeapInuse: 10 << 20, HeapAlloc: 8 << 20},
		After:      Sample{Goroutines: 109, FDs: 37, HeapInuse: 11 << 20, HeapAlloc: 8 << 20},
		Phases:     map[string]Accounts{"saturation": ok, "warmup": ok, "soak": ok},
		Faults:     []chaos.FaultRecord{{Index: 0, Type: scenario.FaultKill, AppliedAt: time.Second, ClearedAt: 2 * time.Second}},
	}
}

func TestJudge(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(r *Result)
		failed []string // the checks that must fail; none means PASS
		naming string   // in the verdict line
	}{
		{name: "all within bounds", break_: func(*Result) {}},
		{name: "goroutines grew 11%", break_: func(r *Result) { r.After.Goroutines = 111 }, failed: []string{"goroutines"}, naming: "100→111 (+11.0%)"},
		{name: "goroutines fell 20%", break_: func(r *Result) { r.After.Goroutines = 80 }, failed: []string{"goroutines"}},
		{name: "fds grew", break_: func(r *Result) { r.After.FDs = 45 }, failed: []string{"fds"}, naming: "40→45"},
		{name: "heap grew 15%", break_: func(r *Result) { r.After.HeapInuse = 23 << 19 }, failed: []string{"heap"}, naming: "10.00MiB→11.50MiB (+15.0%)"},
		{name: "heap grew with the goroutine peak", break_: func(r *Result) {
			r.After.HeapInuse, r.Peaks = 23<<19, map[string]int{"warmup": 5000, "soak": 9000}
		}, failed: []string{"heap"}, naming: "peak goroutines 5000→9000"},
		{name: "a lost call", break_: func(r *Result) {
			a := r.Phases["soak"]
			a.Ended, a.Observed, a.Classes = 99, 99, map[chaos.Class]int64{chaos.ClassOK: 89, chaos.ClassTimeout: 10}
			a.InFlight = 1
			r.Phases["soak"] = a
		}, failed: []string{"accounting"}, naming: "1 never ended"},
		{name: "a call ended twice", break_: func(r *Result) {
			a := r.Phases["warmup"]
			a.Ended, a.Unmatched, a.Classes = 101, 1, map[chaos.Class]int64{chaos.ClassOK: 91, chaos.ClassTimeout: 10}
			r.Phases["warmup"] = a
		}, failed: []string{"accounting"}, naming: "warmup: 1 ended twice"},
		{name: "a reply of another call", break_: func(r *Result) {
			a := r.Phases["soak"]
			a.Classes = map[chaos.Class]int64{chaos.ClassOK: 89, chaos.ClassTimeout: 10, chaos.ClassInvalid: 1}
			r.Phases["soak"] = a
		}, failed: []string{"accounting"}, naming: "1 ok with another call's nonce"},
		{name: "an unclassified error", break_: func(r *Result) {
			a := r.Phases["soak"]
			a.Classes = map[chaos.Class]int64{chaos.ClassOK: 89, chaos.ClassTimeout: 10, chaos.ClassOther: 1}
			r.Phases["soak"] = a
		}, failed: []string{"accounting"}, naming: "1 unclassified"},
		{name: "canceled calls without an interrupt", break_: func(r *Result) {
			a := r.Phases["soak"]
			a.Classes = map[chaos.Class]int64{chaos.ClassOK: 89, chaos.ClassTimeout: 10, chaos.ClassCanceled: 1}
			r.Phases["soak"] = a
		}, failed: []string{"accounting"}, naming: "1 canceled"},
		{name: "a fault not undone", break_: func(r *Result) { r.Faults[0].ClearedAt, r.Faults[0].Err = -1, "restart b: address in use" },
			failed: []string{"faults"}, naming: "address in use"},
		{name: "interrupted", break_: func(r *Result) { r.Interrupted, r.Elapsed = true, 10*time.Second }, failed: []string{"completed"}, naming: "ran 10s of 1m0s"},
		{name: "no baseline", break_: func(r *Result) { r.Baseline = Sample{} }, failed: []string{"goroutines", "fds", "heap"}, naming: "not measured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := passing()
			tt.break_(r)
			r.Judge()
			if got := r.Failed(); !slices.Equal(got, tt.failed) {
				t.Fatalf("failed checks %v, want %v; verdict: %s", got, tt.failed, r.Verdict())
			}
			v := r.Verdict()
			if r.Pass != (len(tt.failed) == 0) || !strings.HasPrefix(v, map[bool]string{true: "soak: PASS", false: "soak: FAIL ["}[r.Pass]) {
				t.Fatalf("pass %v, verdict %q", r.Pass, v)
			}
			if !strings.Contains(v, tt.naming) {
				t.Errorf("verdict %q does not say %q", v, tt.naming)
			}
			if strings.Contains(v, "\n") {
				t.Errorf("verdict is not one line: %q", v)
			}
		})
	}
}

func TestPlanCyclesFaultsOverInstancesAndEndsRecovered(t *testing.T) {
	faults := plan(DefaultFaults, 10*time.Minute, 20*time.Second, 20*time.Second, 20*time.Second)
	if len(faults) != 14 {
		t.Fatalf("%d faults in 10m of 20s windows and gaps, want 14", len(faults))
	}
	for k, f := range faults {
		if want := DefaultFaults[k%len(DefaultFaults)]; f.Type != want || f.Instances[0] != instanceNames[k%3] {
			t.Errorf("fault %d: %s on %v, want %s on %s", k, f.Type, f.Instances, want, instanceNames[k%3])
		}
		if k > 0 && f.Start.D()-faults[k-1].End.D() != 20*time.Second {
			t.Errorf("fault %d starts %s after the previous ended", k, f.Start.D()-faults[k-1].End.D())
		}
	}
	if last := faults[len(faults)-1].End.D(); last > 10*time.Minute-20*time.Second {
		t.Errorf("last fault ends at %s, within the recovery", last)
	}
	if got := plan(DefaultFaults, time.Second, time.Second, time.Second, time.Second); len(got) != 0 {
		t.Errorf("a soak too short for a fault got %d", len(got))
	}
}

func TestOptionsRejectNonsense(t *testing.T) {
	for _, o := range []Options{{Fraction: 1.5}, {Tolerance: -1}, {Faults: []scenario.FaultType{scenario.FaultRegistryDown}}, {Interval: time.Millisecond}, {Gap: -time.Second}, {MaxWorkers: -1}} {
		if _, err := Run(t.Context(), o); err == nil {
			t.Errorf("Run(%+v) = nil error", o)
		}
	}
}
