package chaos

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
)

// shortScenario is a 2s run of two modes with two fail modes, a slow and a
// dropping instance. Its timeouts leave room for a loaded machine: 40ms of
// injected latency against attempts of 250ms and calls of 1s, retried
// without a budget (on a starved machine most attempts time out).
func shortScenario(seed uint64) *scenario.Scenario {
	ms := func(n int) scenario.Duration { return scenario.Duration(time.Duration(n) * time.Millisecond) }
	return &scenario.Scenario{
		Name: "short", Seed: seed,
		Instances: []scenario.InstanceSpec{{Name: "a"}, {Name: "b"}, {Name: "c"}},
		Modes:     []string{"round-robin", "p2c"},
		FailModes: []string{"failfast", "failover"},
		Client:    scenario.ClientSpec{Idempotent: true, AttemptTimeout: ms(250), EjectAfter: -1, RetryRatio: -1},
		Registry:  scenario.RegistrySpec{TTL: ms(1000), Heartbeat: ms(200), Refresh: ms(100)},
		Load:      scenario.LoadSpec{Rate: 80, Duration: ms(2000), Timeout: ms(1000)},
		Faults: []scenario.FaultSpec{
			{Type: scenario.FaultLatency, Instances: []string{"c"}, Start: ms(500), End: ms(1500), Latency: ms(40)},
			{Type: scenario.FaultDropReply, Instances: []string{"b"}, Start: ms(500), End: ms(1500), Fraction: 0.25},
		},
		Thresholds: scenario.Thresholds{
			MaxShare:          []scenario.ShareThreshold{{Mode: "p2c", Instance: "c", Max: 0.5}},
			MinSuccess:        []scenario.SuccessThreshold{{FailMode: "failover", Min: 0.95}},
			TimeoutAtDeadline: true,
			DeadlineSlack:     ms(100),
		},
	}
}

// checkVerdicts fails the test on a failed verdict. An inconclusive one
// passes only if it shows the measured stall that overlapped its breaches:
// on a loaded machine the timing invariants may be judged during stalls.
func checkVerdicts(t *testing.T, res *Result, invariants ...string) {
	t.Helper()
	for _, v := range res.Verdicts {
		if len(invariants) > 0 && !slices.Contains(invariants, v.Invariant) {
			continue
		}
		switch {
		case v.Status == StatusFail:
			t.Errorf("%s [%s] failed: %s (want %s)", v.Invariant, v.Scope, v.Measured, v.Want)
		case v.Status == StatusInconclusive && (v.Stall == nil || res.Stalls.Count == 0):
			t.Errorf("%s [%s] inconclusive without a measured stall: %s", v.Invariant, v.Scope, v.Measured)
		case v.Status == StatusInconclusive:
			t.Logf("%s [%s] inconclusive: %s", v.Invariant, v.Scope, v.Measured)
		}
	}
}

func TestRunChecksEveryInvariant(t *testing.T) {
	s := shortScenario(testSeed(t))
	res, err := Run(t.Context(), s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Variants) != 4 || res.Interrupted {
		t.Fatalf("%d variants, interrupted %v; want 4 complete", len(res.Variants), res.Interrupted)
	}
	checkVerdicts(t, res)
	seen := map[string]int{}
	for _, v := range res.Verdicts {
		seen[v.Invariant]++
	}
	for inv, n := range map[string]int{
		"calls end once, in time": 4, "no goroutine growth": 1, "faults applied and undone": 1,
		"share of c during its faults": 4, "success ratio": 2, "dropped calls time out at deadline": 2,
		"recovery to baseline error rate": 2, "process stalls (timer and scheduling lateness)": 1,
	} {
		if seen[inv] != n {
			t.Errorf("%d verdicts on %q, want %d", seen[inv], inv, n)
		}
	}
	dropped := 0
	for _, d := range res.raw {
		dropped += len(d.dropped)
	}
	if dropped == 0 {
		t.Error("no reply was dropped: the drop fault did not take effect")
	}
	for _, vr := range res.Variants {
		if vr.Calls < 100 || len(vr.Timeline) < 8 || len(vr.Windows) != 2 {
			t.Errorf("%s: %d calls, %d points, %d windows", vr.Name, vr.Calls, len(vr.Timeline), len(vr.Windows))
		}
	}
}

// onLog is a slog.Handler that hands every record to a function.
type onLog func(slog.Record)

func (f onLog) Enabled(context.Context, slog.Level) bool      { return true }
func (f onLog) Handle(_ context.Context, r slog.Record) error { f(r); return nil }
func (f onLog) WithAttrs([]slog.Attr) slog.Handler            { return f }
func (f onLog) WithGroup(string) slog.Handler                 { return f }

// TestInterruptedRunUndoesFaultsAndKeepsWhatItMeasured interrupts a 60s run
// once its four faults are on, however long the machine took to get there.
// The last starts 2s after the first calls' 1s deadlines, so some calls
// have ended, and are kept, by then.
func TestInterruptedRunUndoesFaultsAndKeepsWhatItMeasured(t *testing.T) {
	s := shortScenario(testSeed(t))
	s.Load.Duration = scenario.Duration(time.Minute)
	s.Faults = append(s.Faults,
		scenario.FaultSpec{Type: scenario.FaultRegistryDown, Start: scenario.Duration(2 * time.Second)},
		scenario.FaultSpec{Type: scenario.FaultBlackhole, Instances: []string{"a"}, Start: scenario.Duration(3 * time.Second)})
	for i := range s.Faults {
		s.Faults[i].End = scenario.Duration(59 * time.Second)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var on atomic.Int32
	var canceled atomic.Int64 // UnixNano of the cancel
	log := slog.New(onLog(func(r slog.Record) {
		if r.Message == "chaos: fault on" && on.Add(1) == int32(len(s.Faults)) {
			canceled.Store(time.Now().UnixNano())
			cancel()
		}
	}))
	res, err := Run(ctx, s, Options{Logger: log})
	if !errors.Is(err, ErrInterrupted) || res == nil || !res.Interrupted {
		t.Fatalf("interrupted run: %v, result %v", err, res != nil)
	}
	if took := time.Since(time.Unix(0, canceled.Load())); took > 30*time.Second {
		t.Fatalf("the run went on for %v of its minute after the interrupt", took)
	}
	for _, f := range res.Faults {
		if f.AppliedAt < 0 || f.ClearedAt < 0 || f.Err != "" {
			t.Errorf("fault #%d %s: applied %v, undone %v, error %q", f.Index, f.Type, f.AppliedAt, f.ClearedAt, f.Err)
		}
	}
	checkVerdicts(t, res, "calls end once, in time")
	if res.Variants[0].Calls == 0 {
		t.Error("the interrupted run kept no calls")
	}
	if _, err := WriteReports(t.TempDir(), res); err != nil {
		t.Fatal(err)
	}
}

func TestRunRejectsAnInvalidScenario(t *testing.T) {
	s := shortScenario(1)
	s.Faults[1].Fraction = 2
	if _, err := Run(t.Context(), s, Options{}); !errors.Is(err, scenario.ErrInvalidScenario) {
		t.Fatalf("Run of an invalid scenario: %v", err)
	}
}

func TestWarmUpCallsEveryInstanceUnrecorded(t *testing.T) {
	c, vs := readyVariants(t)
	if err := warmUp(t.Context(), vs, 16); err != nil {
		t.Fatal(err)
	}
	stats, _, err := c.callReports(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range c.ins {
		// More if a busy machine timed an attempt out and a round was retried.
		if got, want := stats[in.spec.Name].Calls, int64(warmUpRounds*len(vs)); got < want {
			t.Errorf("instance %s served %d warm-up calls, want at least %d", in.spec.Name, got, want)
		}
	}
	for _, v := range vs {
		if calls, _ := v.rec.records(); len(calls) != 0 {
			t.Errorf("%s recorded %d warm-up calls", v.name, len(calls))
		}
	}
}

func TestWarmUpFailsNamingTheVariantWhenAnInstanceIsDown(t *testing.T) {
	c, vs := readyVariants(t)
	c.ins[1].c.Kill() // still listed: its TTL has not run out
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	err := vs[0].warmUp(ctx, 16)
	if err == nil || !strings.Contains(err.Error(), vs[0].name+": warm-up") {
		t.Fatalf("warm-up with a dead instance = %v, want an error naming %s", err, vs[0].name)
	}
}

// readyVariants starts testCluster and the variants of its scenario, closed
// when the test ends, and waits until each lists every instance.
func readyVariants(t *testing.T) (*cluster, []*variant) {
	t.Helper()
	c := testCluster(t)
	vs, err := newVariants(t.Context(), testClusterScenario(t), c, &clock{}, 1)
	t.Cleanup(func() {
		for _, v := range vs {
			v.close()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if err := v.waitReady(t.Context(), len(c.ins)); err != nil {
			t.Fatal(err)
		}
	}
	return c, vs
}
