package chaos

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
	geecluster "github.com/geerpclab/geerpc/cluster"
)

// builtin returns the built-in scenario called name.
func builtin(t *testing.T, name string) *scenario.Scenario {
	t.Helper()
	all, err := scenario.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(all, func(s *scenario.Scenario) bool { return s.Name == name })
	if i < 0 {
		t.Fatalf("no built-in scenario %q", name)
	}
	return all[i]
}

// runProcs runs s with instances as geerpc serve children and checks that
// every fault was applied and undone without error and that no child is
// left.
func runProcs(t *testing.T, s *scenario.Scenario) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	bin, err := geecluster.Build(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, s, Options{Cluster: ClusterOptions{Backend: geecluster.Processes, Binary: bin}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Faults {
		if f.Err != "" || f.AppliedAt < 0 || f.ClearedAt < 0 {
			t.Errorf("fault %d %s: applied %v cleared %v err %q", f.Index, f.Type, f.AppliedAt, f.ClearedAt, f.Err)
		}
	}
	if kids, err := geecluster.Children(); err == nil && len(kids) != 0 {
		t.Errorf("children left after the run: %v", kids)
	}
	return res
}

// TestReplyDropsOnProcessesKeepFailoverAboveItsThreshold runs the built-in
// reply-drops with c a geerpc serve child: its failover variants keep a
// success threshold, its failfast ones time out at their deadlines, and
// what the child says it dropped is what the callers saw (two modes
// instead of five, to spare a busy machine).
func TestReplyDropsOnProcessesKeepFailoverAboveItsThreshold(t *testing.T) {
	if testing.Short() {
		t.Skip("builds geerpc and runs child processes")
	}
	s := builtin(t, "reply-drops")
	s.Modes = []string{"round-robin", "p2c"}
	// A busy machine fails a few calls of any variant (stalls past the
	// attempt timeout), so the scenario's 99.9% is judged by make chaos on
	// a quiet one. Here half of c's replies are dropped, retried without a
	// budget, against a 95% floor: failover keeps about 100%, a client
	// that does not fail over about 83% (a third of the calls go to c).
	s.Faults[0].Fraction = 0.5
	s.Client.RetryRatio = -1
	s.Thresholds.MinSuccess = []scenario.SuccessThreshold{{FailMode: "failover", Min: 0.95}}
	res := runProcs(t, s)
	// Timing invariants (in time, at the deadline) are make chaos's: on a
	// busy machine calls end late beyond the stalls the run can measure.
	checkVerdicts(t, res, "success ratio", "faults applied and undone")
	seen := 0
	for _, v := range res.Verdicts {
		if v.Invariant == "success ratio" {
			seen++
		}
	}
	if seen != 2 {
		t.Errorf("%d success-ratio verdicts, want 2 (the failover variants)", seen)
	}
	var dropped int64
	for _, d := range res.raw {
		dropped += int64(len(d.dropped))
	}
	// The child counts replies, the records calls: a call retried on c may
	// lose two replies there, so the child may count more, never fewer.
	c := res.CallFaults["c"]
	if dropped == 0 || c.RepliesDropped < dropped {
		t.Errorf("c says it dropped %d replies (stats %+v); the callers' records hold %d dropped calls", c.RepliesDropped, c, dropped)
	}
	if a := res.CallFaults["a"]; a.RepliesDropped != 0 || a.Calls == 0 || a.Executed != a.Calls {
		t.Errorf("a, serving without a fault, counted %+v", a)
	}
}

// TestDeadHeartbeatOnAProcessEvictsItAndItReturns runs the built-in
// dead-heartbeat with c a geerpc serve child told through its control
// service to stop heartbeating: every discovery drops it within the
// invariant's bound (or a measured stall excuses it) and lists it again
// once it heartbeats anew (the run made longer for that to be seen).
func TestDeadHeartbeatOnAProcessEvictsItAndItReturns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds geerpc and runs child processes")
	}
	s := builtin(t, "dead-heartbeat")
	s.Modes = []string{"round-robin", "p2c"}
	s.Load.Duration = scenario.Duration(12 * time.Second) // 6s after the fault for c to be seen back
	res := runProcs(t, s)
	checkVerdicts(t, res, "evicted from discovery")
	if !slices.ContainsFunc(res.Verdicts, func(v Verdict) bool { return v.Invariant == "evicted from discovery" }) {
		t.Fatal("no eviction verdict")
	}
	f := res.Faults[0]
	if f.HealthBefore != healthOK || f.HealthAfter != healthOK {
		t.Errorf("c's health before %q, after %q", f.HealthBefore, f.HealthAfter)
	}
	for _, v := range res.Variants {
		back := slices.ContainsFunc(v.Members, func(m ViewChange) bool {
			return m.At >= f.ClearedAt && slices.Contains(m.Instances, "c")
		})
		if !back {
			t.Errorf("%s: c not back in discovery after its heartbeats resumed at %v: %v", v.Name, f.ClearedAt, v.Members)
		}
	}
}

// TestCallFaultOutlivesARestartedProcess drops a fifth of c's replies
// across a zombie of c: the restarted child gets the fault set again (some
// calls started after the restart are dropped) and the counts of both
// generations of the child add up to every dropped call the callers saw.
func TestCallFaultOutlivesARestartedProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds geerpc and runs child processes")
	}
	ms := func(n int) scenario.Duration { return scenario.Duration(time.Duration(n) * time.Millisecond) }
	s := &scenario.Scenario{
		Name: "drops-across-restart", Seed: testSeed(t),
		Instances: []scenario.InstanceSpec{{Name: "a"}, {Name: "b"}, {Name: "c"}},
		Modes:     []string{"round-robin"},
		FailModes: []string{"failfast"},
		Client:    scenario.ClientSpec{AttemptTimeout: ms(500), EjectAfter: -1, RetryRatio: -1},
		Registry:  scenario.RegistrySpec{TTL: ms(1000), Heartbeat: ms(200), Refresh: ms(100)},
		Load:      scenario.LoadSpec{Rate: 90, Duration: ms(6000), Timeout: ms(1000)},
		Faults: []scenario.FaultSpec{
			{Type: scenario.FaultDropReply, Instances: []string{"c"}, Start: ms(500), End: ms(5500), Fraction: 0.2},
			{Type: scenario.FaultZombie, Instances: []string{"c"}, Start: ms(1500), End: ms(2500)},
		},
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	res := runProcs(t, s)
	restarted := res.Faults[1].ClearedAt
	var dropped, after int64
	for _, d := range res.raw {
		for _, c := range d.calls {
			if _, ok := d.dropped[c.seq]; ok {
				dropped++
				if c.start > restarted {
					after++
				}
			}
		}
	}
	if c := res.CallFaults["c"]; c.RepliesDropped != dropped {
		t.Errorf("c's generations say they dropped %d replies (%+v); the callers' records hold %d", c.RepliesDropped, c, dropped)
	}
	if after == 0 {
		t.Errorf("no reply dropped after c restarted at %v: the fault was not set on the new child (%d dropped in all)", restarted, dropped)
	}
}
