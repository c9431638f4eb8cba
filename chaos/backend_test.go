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

func TestFaultsAFlavourCannotApplyAreRefusedByName(t *testing.T) {
	s := validScenario()
	s.Thresholds = scenario.Thresholds{}
	s.Faults = []scenario.FaultSpec{{Type: scenario.FaultDropReply, Instances: []string{"a"}, Fraction: 0.1, Start: scenario.Duration(time.Second), End: scenario.Duration(2 * time.Second)}}
	if err := CheckApplicable(s, ClusterOptions{Backend: geecluster.Processes}); err != nil {
		t.Errorf("call fault on processes the harness starts: %v", err)
	}
	err := CheckApplicable(s, ClusterOptions{Registry: "http://127.0.0.1:1"})
	if !errors.Is(err, ErrNotApplicable) || !strings.Contains(err.Error(), "faults[0] drop_reply") {
		t.Errorf("call fault on a user's deployment: %v", err)
	}
	if err := CheckApplicable(s, ClusterOptions{}); err != nil {
		t.Errorf("call fault in process: %v", err)
	}
	s.Faults[0] = scenario.FaultSpec{Type: scenario.FaultFreeze, Instances: []string{"a"}, Start: scenario.Duration(time.Second), End: scenario.Duration(2 * time.Second)}
	if err := CheckApplicable(s, ClusterOptions{}); !errors.Is(err, ErrNotApplicable) {
		t.Errorf("freeze in process: %v", err)
	}
	if _, err := Run(t.Context(), s, Options{}); !errors.Is(err, ErrNotApplicable) {
		t.Errorf("Run of a freeze in process: %v", err)
	}
}

// TestProcessRunFreezesKillsAndSlowsRealProcesses runs a short scenario on
// geerpc serve children behind a Toxiproxy server: a frozen instance, a
// killed one and a slowed link, each undone, nothing left behind.
func TestProcessRunFreezesKillsAndSlowsRealProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds geerpc and runs child processes")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	bin, err := geecluster.Build(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ms := func(n int) scenario.Duration { return scenario.Duration(time.Duration(n) * time.Millisecond) }
	s := &scenario.Scenario{
		Name: "procs", Seed: testSeed(t),
		Instances: []scenario.InstanceSpec{{Name: "a"}, {Name: "b"}, {Name: "c"}},
		Modes:     []string{"round-robin", "p2c"},
		FailModes: []string{"failover"},
		Client:    scenario.ClientSpec{Idempotent: true, AttemptTimeout: ms(200)},
		Registry:  scenario.RegistrySpec{TTL: ms(1000), Heartbeat: ms(200), Refresh: ms(100)},
		Load:      scenario.LoadSpec{Rate: 50, Duration: ms(4000), Timeout: ms(1000)},
		Faults: []scenario.FaultSpec{
			{Type: scenario.FaultFreeze, Instances: []string{"a"}, Start: ms(500), End: ms(2000)},
			{Type: scenario.FaultZombie, Instances: []string{"b"}, Start: ms(2500), End: ms(3200)},
			{Type: scenario.FaultLatency, Instances: []string{"c"}, Start: ms(500), End: ms(3500), Latency: ms(30)},
		},
	}
	if err := s.Validate(); err != nil {
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
		want := healthOK
		if f.Type.Class() != scenario.ClassLifecycle {
			want = ""
		}
		if f.HealthBefore != want || f.HealthAfter != want {
			t.Errorf("fault %d %s: health before %q, after %q; want %q", f.Index, f.Type, f.HealthBefore, f.HealthAfter, want)
		}
	}
	for _, v := range res.Variants {
		if v.OK == 0 || v.Picks["a"] == 0 || v.Picks["b"] == 0 {
			t.Errorf("%s: %d ok, picks %v", v.Name, v.OK, v.Picks)
		}
	}
	if kids, err := geecluster.Children(); err == nil && len(kids) != 0 {
		t.Errorf("children left after the run: %v", kids)
	}
}

func TestProcessOnlyScenariosAreValidAndRefusedInProcess(t *testing.T) {
	s, err := scenario.Load("scenarios/procs/freeze.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckApplicable(s, ClusterOptions{Backend: geecluster.Processes}); err != nil {
		t.Errorf("freeze on processes: %v", err)
	}
	if err := CheckApplicable(s, ClusterOptions{}); !errors.Is(err, ErrNotApplicable) {
		t.Errorf("freeze in process: %v, want ErrNotApplicable", err)
	}
}
