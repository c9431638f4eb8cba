package soak

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/geerpclab/geerpc/chaos"
	"github.com/geerpclab/geerpc/internal/provenance"
)

// SchemaVersion names the JSON result's schema.
const SchemaVersion = "geerpc.soak/v1"

// Result is what a soak measured and how it was judged.
type Result struct {
	Schema      string          `json:"schema"`
	Provenance  provenance.Info `json:"provenance"`
	Start       time.Time       `json:"start"`
	Duration    time.Duration   `json:"duration_ns"` // planned length of the faulted load
	Warmup      time.Duration   `json:"warmup_ns"`   // length of the warm-up, one fault cycle or more
	Elapsed     time.Duration   `json:"elapsed_ns"`  // how long it ran
	Interrupted bool            `json:"interrupted"`
	Tolerance   float64         `json:"tolerance"`
	Client      string          `json:"client"` // balancing mode / fail mode

	Saturation Saturation `json:"saturation"`
	Rate       float64    `json:"rate"`        // calls/s sent open loop: Fraction × saturation
	Fraction   float64    `json:"fraction"`    // of the saturation rate
	SentRate   float64    `json:"sent_rate"`   // calls/s actually sent during the soak
	Late       int64      `json:"late"`        // soak calls that waited for a worker
	WarmupLate int64      `json:"warmup_late"` // warm-up calls that waited for a worker
	MaxWorkers int        `json:"max_workers"` // cap of the open-loop workers
	Unsent     int64      `json:"unsent"`      // soak calls due but never sent

	Baseline Sample       `json:"baseline"`                   // after the warm-up and its fault cycle, load stopped
	After    Sample       `json:"after"`                      // after the soak, load stopped
	Grown    []StackCount `json:"goroutines_grown,omitempty"` // functions whose goroutines grew most, after minus baseline
	// Peaks are the most goroutines seen at an interval's end, by phase: the
	// runtime never frees a goroutine's descriptor, so the heap keeps about
	// 0.4KB for each goroutine of the highest count the process ever reached.
	Peaks map[string]int `json:"peak_goroutines"`

	Phases       map[string]Accounts `json:"accounts"`      // by phase: saturation, warmup, soak, nudge
	WarmupFaults []chaos.FaultRecord `json:"warmup_faults"` // the warm-up's cycle, played before the baseline
	Faults       []chaos.FaultRecord `json:"faults"`        // of the soak phase
	Timeline     []chaos.Point       `json:"timeline"`      // of the soak phase
	Checks       []Check             `json:"checks"`
	Pass         bool                `json:"pass"`

	heapBaseline, heapAfter []byte // heap profiles at the two samples, for WriteReports
}

// Saturation is the closed-loop measurement of the cluster's capacity.
type Saturation struct {
	Workers  int           `json:"workers"`
	Duration time.Duration `json:"duration_ns"`
	Rate     float64       `json:"rate"` // ok calls/s
	P99      time.Duration `json:"p99_ns"`
}

// Check is one pass/fail criterion of a soak.
type Check struct {
	Name     string `json:"name"` // goroutines, fds, heap, accounting, faults, completed
	Pass     bool   `json:"pass"`
	Measured string `json:"measured"`
}

// Judge sets r's Checks and Pass from its figures: goroutines, FDs and heap
// within Tolerance of the baseline, every call of every phase accounted for,
// every fault applied and cleared, and the soak not interrupted.
func (r *Result) Judge() {
	r.Checks = []Check{
		bound("goroutines", float64(r.Baseline.Goroutines), float64(r.After.Goroutines), r.Tolerance, "%.0f"),
		bound("fds", float64(r.Baseline.FDs), float64(r.After.FDs), r.Tolerance, "%.0f"),
		bound("heap", float64(r.Baseline.HeapInuse)/(1<<20), float64(r.After.HeapInuse)/(1<<20), r.Tolerance, "%.2fMiB"),
		r.accountingCheck(),
		r.faultCheck(),
		{Name: "completed", Pass: !r.Interrupted, Measured: fmt.Sprintf("ran %s of %s", r.Elapsed.Round(time.Second), r.Duration)},
	}
	if h := &r.Checks[2]; r.Baseline.HeapAlloc > 0 {
		h.Measured += fmt.Sprintf(", live %.2f→%.2fMiB", float64(r.Baseline.HeapAlloc)/(1<<20), float64(r.After.HeapAlloc)/(1<<20))
	}
	if h := &r.Checks[2]; !h.Pass && r.Peaks["warmup"] > 0 {
		h.Measured += fmt.Sprintf(", peak goroutines %d→%d", r.Peaks["warmup"], r.Peaks["soak"])
	}
	if g := &r.Checks[0]; !g.Pass && len(r.Grown) > 0 {
		g.Measured += fmt.Sprintf(", +%d in %s", r.Grown[0].Count, r.Grown[0].Function)
	}
	r.Pass = true
	for _, c := range r.Checks {
		r.Pass = r.Pass && c.Pass
	}
}

// bound checks that after is within tol of before, either way.
func bound(name string, before, after, tol float64, format string) Check {
	if before <= 0 || after <= 0 {
		return Check{Name: name, Measured: "not measured (interrupted before it, or unavailable here)"}
	}
	change := (after - before) / before
	ok := math.Abs(after-before) <= tol*before
	return Check{Name: name, Pass: ok, Measured: fmt.Sprintf(format+"→"+format+" (%+.1f%%)", before, after, change*100)}
}

func (r *Result) accountingCheck() Check {
	var problems []string
	for _, phase := range phaseNames {
		a, ok := r.Phases[phase]
		if !ok {
			continue
		}
		for _, p := range a.Problems(r.Interrupted) {
			problems = append(problems, phase+": "+p)
		}
	}
	soak := r.Phases["soak"]
	m := fmt.Sprintf("%d calls sent, %d ended once (%s)", soak.Sent, soak.Sum(), classList(soak.Classes))
	if len(problems) > 0 {
		m += ": " + strings.Join(problems, "; ")
	}
	return Check{Name: "accounting", Pass: len(problems) == 0 && len(r.Phases) > 0, Measured: m}
}

// faultCheck passes when every fault of the warm-up and of the soak was
// applied and cleared without an error.
func (r *Result) faultCheck() Check {
	var bad []string
	for phase, faults := range map[string][]chaos.FaultRecord{"warmup": r.WarmupFaults, "soak": r.Faults} {
		for _, f := range faults {
			if f.Err != "" || f.AppliedAt < 0 || f.ClearedAt < 0 {
				bad = append(bad, fmt.Sprintf("%s %d %s: %s", phase, f.Index, f.Type, f.Err))
			}
		}
	}
	slices.Sort(bad)
	m := fmt.Sprintf("%d faults played after a warm-up of %d", len(r.Faults), len(r.WarmupFaults))
	if len(bad) > 0 {
		m += ", failed: " + strings.Join(bad, "; ")
	}
	return Check{Name: "faults", Pass: len(bad) == 0, Measured: m}
}

// classList prints the non-zero classes in a fixed order.
func classList(m map[chaos.Class]int64) string {
	var parts []string
	for _, c := range []chaos.Class{chaos.ClassOK, chaos.ClassTimeout, chaos.ClassTransport, chaos.ClassServer,
		chaos.ClassEjected, chaos.ClassCanceled, chaos.ClassInvalid, chaos.ClassOther} {
		if m[c] != 0 {
			parts = append(parts, fmt.Sprintf("%s %d", c, m[c]))
		}
	}
	return strings.Join(parts, ", ")
}

// Failed returns the names of the failed checks.
func (r *Result) Failed() []string {
	var names []string
	for _, c := range r.Checks {
		if !c.Pass {
			names = append(names, c.Name)
		}
	}
	return names
}

// Verdict returns the one-line verdict: PASS or FAIL (naming the failed
// checks), the load, and every check's figures.
func (r *Result) Verdict() string {
	head := "PASS"
	if !r.Pass {
		head = "FAIL [" + strings.Join(r.Failed(), ", ") + "]"
	}
	parts := []string{fmt.Sprintf("soak: %s %s open loop at %.0f/s (%.0f%% of %.0f/s saturation), sent %.0f/s, %d late (all %d workers busy)",
		head, r.Elapsed.Round(time.Second), r.Rate, r.Fraction*100, r.Saturation.Rate, r.SentRate, r.Late, r.MaxWorkers)}
	for _, c := range r.Checks {
		parts = append(parts, c.Name+" "+c.Measured)
	}
	return strings.Join(parts, "; ")
}
