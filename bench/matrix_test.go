package bench

import (
	"bytes"
	"math"
	"testing"
	"time"
)

// tinyPlan is a matrix small enough for a test under -race.
func tinyPlan() Plan {
	p, _ := PlanFor(SizeQuick)
	p.Size, p.Rounds, p.Duration, p.Warmup = "tiny", 2, 60*time.Millisecond, 20*time.Millisecond
	p.InFlight, p.OpenLoad, p.FixedFlight = []int{1, 20}, []float64{0.5}, 10
	p.SlowBy = []time.Duration{0, 50 * time.Millisecond}
	p.Modes = []string{"round-robin", "consistent-hash", "p2c"}
	p.PeerCallers, p.PeerRounds, p.PeerDuration, p.PeerWarmup = []int{1, 100}, 1, 60*time.Millisecond, 10*time.Millisecond
	return p
}

func TestTinyMatrixIsConsistent(t *testing.T) {
	p := tinyPlan()
	var progress bytes.Buffer
	r, err := RunMatrix(t.Context(), Options{Plan: p, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&js)
	if err != nil {
		t.Fatal(err)
	}
	modes := len(p.Modes)
	if want := modes * (len(p.InFlight) + len(p.OpenLoad) + len(p.SlowBy) + 1); len(back.Cells) != want {
		t.Errorf("%d cells, want %d", len(back.Cells), want)
	}
	if want := peerCells(p.PeerCallers); len(back.Peers) != want || want != 2*len(Peers())-1 {
		t.Errorf("%d peer cells, want %d", len(back.Peers), want)
	}
	for _, c := range back.Cells {
		checkCell(t, c, p)
	}
	// ten targets: the 10,000-caller ones need callers the tiny plan leaves out
	if len(back.Targets) != 10 || len(back.Best) != len(p.InFlight)+len(p.OpenLoad)+len(p.SlowBy)+1 {
		t.Errorf("%d targets, %d best rows", len(back.Targets), len(back.Best))
	}
	if got := bytes.Count(progress.Bytes(), []byte("\n")); got != newTicker(Options{}, p).total {
		t.Errorf("%d progress lines, want one per run (%d)", got, newTicker(Options{}, p).total)
	}
	t.Logf("elapsed %v\n%s", r.Elapsed, progress.String())
}

// checkCell checks the invariants of one cell.
func checkCell(t *testing.T, c Cell, p Plan) {
	t.Helper()
	name := c.Experiment + "/" + c.Workload + "/" + c.Mode
	if c.Rounds != p.Rounds || c.Calls <= 0 {
		t.Errorf("%s: %d rounds, %d calls", name, c.Rounds, c.Calls)
	}
	for _, s := range []Stat{c.Throughput, c.P50, c.P99, c.TimeoutRate, c.ErrorRate} {
		if s.Min > s.Median || s.Median > s.Max || math.IsNaN(s.Median) {
			t.Errorf("%s: stat out of order: %+v", name, s)
		}
	}
	var sum float64
	var calls int64
	for _, s := range c.Shares {
		sum += s.Share
		calls += s.Calls
	}
	// The tally counts calls sent after the warm-up, loadgen calls due
	// after it: under load (and -race) the two differ by the calls sent late.
	if math.Abs(sum-1) > 1e-9 || math.Abs(float64(calls-c.Calls)) > 0.25*float64(c.Calls) {
		t.Errorf("%s: shares add up to %v over %d calls, want 1 over about %d", name, sum, calls, c.Calls)
	}
	if len(c.Spectrum) != len(spectrumPercentiles()) {
		t.Errorf("%s: %d spectrum points", name, len(c.Spectrum))
	}
	if c.Throughput.Median <= 0 {
		t.Errorf("%s: no throughput", name)
	}
}
