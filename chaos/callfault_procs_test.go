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
// reply-drops (5% of c's replies dropped) with c a geerpc serve child: its
// failover variants keep the 99.9% success threshold, its failfast ones
// time out at their deadlines, and what the child says it dropped is what
// the callers saw (two modes instead of five, to spare a busy machine).
func TestReplyDropsOnProcessesKeepFailoverAboveItsThreshold(t *testing.T) {
	if testing.Short() {
		t.Skip("builds geerpc and runs child processes")
	}
	s := builtin(t, "reply-drops")
	s.Modes = []string{"round-robin", "p2c"}
	res := runProcs(t, s)
	checkVerdicts(t, res)
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
	c := res.CallFaults["c"]
	if c.RepliesDropped == 0 || c.RepliesDropped != dropped {
		t.Errorf("c says it dropped %d replies (stats %+v); the callers' records hold %d dropped calls", c.RepliesDropped, c, dropped)
	}
	if a := res.CallFaults["a"]; a.RepliesDropped != 0 || a.Calls != 0 {
		t.Errorf("a, without a fault, counted %+v", a)
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
