package chaos

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
	geecluster "github.com/geerpclab/geerpc/cluster"
)

// TestLeaseLossScenarioPasses runs the lease-loss scenario in process and
// with geerpc serve children: the instance leaves every view
// and comes back after the heal, it answers before and after, every call
// ends once in time and no child is left.
func TestLeaseLossScenarioPasses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two 11s scenarios")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	bin, err := geecluster.Build(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path string
		co   ClusterOptions
	}{
		{"scenarios/lease-loss.json", ClusterOptions{}},
		{"scenarios/lease-loss.json", ClusterOptions{Backend: geecluster.Processes, Binary: bin}},
	} {
		t.Run(tt.co.Backend.String(), func(t *testing.T) {
			s, err := scenario.Load(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			lighten(s)
			res, err := Run(ctx, s, Options{Cluster: tt.co})
			if err != nil {
				t.Fatal(err)
			}
			checkLeaseLoss(t, res)
			if kids, err := geecluster.Children(); err == nil && len(kids) != 0 {
				t.Errorf("children left after the run: %v", kids)
			}
		})
	}
}

// lighten keeps a scenario's timeline but loads it lightly, with room for
// a loaded machine running the race detector: two modes at 60 calls/s,
// calls of 1s that may end 100ms late.
func lighten(s *scenario.Scenario) {
	s.Modes = []string{"round-robin", "p2c"}
	s.Load.Rate, s.Load.Timeout = 60, scenario.Duration(time.Second)
	s.Thresholds.DeadlineSlack = scenario.Duration(100 * time.Millisecond)
}

// checkLeaseLoss checks the verdicts and records of a lease-loss run.
func checkLeaseLoss(t *testing.T, res *Result) {
	t.Helper()
	checkVerdicts(t, res, "calls end once, in time", "faults applied and undone",
		"evicted from discovery", "back in discovery after the heal")
	seen := map[string]int{}
	for _, v := range res.Verdicts {
		seen[v.Invariant]++
	}
	if seen["evicted from discovery"] != 1 || seen["back in discovery after the heal"] != 1 {
		t.Errorf("verdicts %v: want one eviction and one return", seen)
	}
	for _, f := range res.Faults {
		if f.Err != "" || f.HealthBefore != healthOK || f.HealthAfter != healthOK {
			t.Errorf("fault %d %s: error %q, health before %q after %q", f.Index, f.Type, f.Err, f.HealthBefore, f.HealthAfter)
		}
	}
}

// TestEtcdDeploymentTakesOnlyLinkFaults drives a deployment the harness
// did not start, found through its etcd: its instances behind a Toxiproxy
// server's proxies named after them. A link fault runs; a lease loss is
// refused by name before anything starts.
func TestEtcdDeploymentTakesOnlyLinkFaults(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	links, err := geecluster.StartLinks(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer links.Close()
	specs := []geecluster.InstanceSpec{{Name: "a"}, {Name: "b"}}
	dep, err := geecluster.Start(ctx, geecluster.Options{Registry: geecluster.EtcdRegistry, TTL: 2 * time.Second, Front: links.Front}, specs)
	if err != nil {
		t.Fatal(err)
	}
	defer dep.Close()
	co := ClusterOptions{Etcd: dep.Etcd().Endpoints(), Toxiproxy: links.URL()}

	lost, err := scenario.Load("scenarios/lease-loss.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckApplicable(lost, co); !errors.Is(err, ErrNotApplicable) || !strings.Contains(err.Error(), "lease_loss") {
		t.Errorf("lease loss on a deployment: %v, want ErrNotApplicable naming lease_loss", err)
	}
	ms := func(n int) scenario.Duration { return scenario.Duration(time.Duration(n) * time.Millisecond) }
	s := &scenario.Scenario{
		Name: "deployment", Seed: testSeed(t),
		Instances: []scenario.InstanceSpec{{Name: "a"}, {Name: "b"}},
		Modes:     []string{"round-robin"},
		Load:      scenario.LoadSpec{Rate: 40, Duration: ms(2000), Timeout: ms(1000)},
		Faults:    []scenario.FaultSpec{{Type: scenario.FaultLatency, Instances: []string{"b"}, Start: ms(500), End: ms(1500), Latency: ms(30)}},
	}
	res, err := Run(ctx, s, Options{Cluster: co})
	if err != nil {
		t.Fatal(err)
	}
	checkVerdicts(t, res, "calls end once, in time", "faults applied and undone")
	if v := res.Variants[0]; v.OK == 0 || v.Picks["a"] == 0 || v.Picks["b"] == 0 {
		t.Errorf("%s: %d ok, picks %v; want both instances found through etcd", v.Name, v.OK, v.Picks)
	}
}

// TestEtcdRunsTheLifecycleFaults runs a dead heartbeat (the instance's etcd
// client closed, its key left to expire), a zombie and a kill on an etcd
// registry in process: each instance leaves every view within its bound,
// each fault is undone and every instance answers after its heal.
func TestEtcdRunsTheLifecycleFaults(t *testing.T) {
	ms := func(n int) scenario.Duration { return scenario.Duration(time.Duration(n) * time.Millisecond) }
	s := &scenario.Scenario{
		Name: "etcd-lifecycle", Seed: testSeed(t),
		Instances: []scenario.InstanceSpec{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}},
		Modes:     []string{"round-robin", "p2c"},
		Registry:  scenario.RegistrySpec{Kind: scenario.RegistryEtcd, TTL: ms(1000), Refresh: ms(100)},
		Load:      scenario.LoadSpec{Rate: 60, Duration: ms(5000), Timeout: ms(1000)},
		Faults: []scenario.FaultSpec{
			{Type: scenario.FaultDeadHeartbeat, Instances: []string{"a"}, Start: ms(500), End: ms(3500)},
			{Type: scenario.FaultZombie, Instances: []string{"b"}, Start: ms(500), End: ms(3500)},
			{Type: scenario.FaultKill, Instances: []string{"c"}, Start: ms(1000), End: ms(2500)},
		},
		Thresholds: scenario.Thresholds{EvictWithin: true, DeadlineSlack: ms(100)},
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := CheckApplicable(s, ClusterOptions{Backend: geecluster.Processes}); !errors.Is(err, ErrNotApplicable) || !strings.Contains(err.Error(), "dead_heartbeat") {
		t.Errorf("a dead heartbeat on etcd with processes: %v, want ErrNotApplicable naming it", err)
	}
	res, err := Run(t.Context(), s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkVerdicts(t, res, "calls end once, in time", "faults applied and undone", "evicted from discovery")
	evictions := 0
	for _, v := range res.Verdicts {
		if v.Invariant == "evicted from discovery" {
			evictions++
			t.Logf("%s: %s", v.Scope, v.Measured)
		}
	}
	if evictions != 2 {
		t.Errorf("%d eviction verdicts, want 2 (dead heartbeat and zombie)", evictions)
	}
	for _, f := range res.Faults {
		if f.Err != "" || f.HealthAfter != healthOK {
			t.Errorf("fault %d %s: error %q, health after %q", f.Index, f.Type, f.Err, f.HealthAfter)
		}
	}
}
