package site

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestStepTicksLabelEnoughRoundValues(t *testing.T) {
	for _, tt := range []struct {
		lo, hi   float64
		min, max int // labelled ticks
	}{
		{0, 1.35, 4, 8}, {0, 72, 4, 8}, {0, 1600, 4, 8}, {20100, 40200, 3, 8}, {0, 600, 4, 8},
	} {
		n := 0
		for _, tk := range (StepTicks{Target: 6}).Ticks(tt.lo, tt.hi) {
			if tk.Label != "" {
				n++
			}
		}
		if n < tt.min || n > tt.max {
			t.Errorf("[%v, %v]: %d labelled ticks, want %d..%d", tt.lo, tt.hi, n, tt.min, tt.max)
		}
	}
	for _, r := range [][2]float64{{0, 0}, {1, 1}, {5, 1}, {0, math.Inf(1)}, {math.NaN(), 1}} {
		if ts := (StepTicks{Target: 6}).Ticks(r[0], r[1]); len(ts) > 1000 {
			t.Errorf("%v: %d ticks", r, len(ts))
		}
	}
}

func TestNavLinksOnlyThePagesPresent(t *testing.T) {
	root := t.TempDir()
	for _, dir := range []string{"chaos", "soak"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, Soak), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	nav := Nav(filepath.Join(root, "chaos"), Chaos)
	if len(nav) != 2 || nav[0].Text != "chaos" || !nav[0].Here || nav[1].Href != "../soak/index.html" {
		t.Errorf("chaos nav = %+v, want itself and ../soak/index.html", nav)
	}
	if nav := Nav(root, Bench); len(nav) != 2 || nav[1].Href != "soak/index.html" {
		t.Errorf("bench nav = %+v, want itself and soak/index.html", nav)
	}
}

// TestProcessChaosPageJoinsTheBar: the chaos pages of a process run (in
// chaos-procs/) know themselves and are linked from the other pages.
func TestProcessChaosPageJoinsTheBar(t *testing.T) {
	root := t.TempDir()
	procs := filepath.Join(root, "chaos-procs")
	if err := os.MkdirAll(procs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, ChaosProcs), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := ChaosPage(procs); got != ChaosProcs {
		t.Errorf("ChaosPage(%s) = %q, want %q", procs, got, ChaosProcs)
	}
	if got := ChaosPage(filepath.Join(root, "chaos")); got != Chaos {
		t.Errorf("ChaosPage(chaos) = %q, want %q", got, Chaos)
	}
	nav := Nav(procs, ChaosProcs)
	if len(nav) != 1 || !nav[0].Here || nav[0].Href != "../chaos-procs/index.html" {
		t.Errorf("chaos-procs nav = %+v, want itself only", nav)
	}
	if nav := Nav(root, Bench); len(nav) != 2 || nav[1].Href != ChaosProcs {
		t.Errorf("bench nav = %+v, want itself and %s", nav, ChaosProcs)
	}
}

func TestFormatTickShowsTheStepsDecimals(t *testing.T) {
	for _, tt := range []struct {
		v, step float64
		want    string
	}{{0.25, 0.25, "0.25"}, {1, 0.25, "1.00"}, {20, 5, "20"}, {25000, 2500, "25k"}, {0.5, 0.5, "0.5"}} {
		if got := FormatTick(tt.v, tt.step); got != tt.want {
			t.Errorf("FormatTick(%v, %v) = %q, want %q", tt.v, tt.step, got, tt.want)
		}
	}
}
