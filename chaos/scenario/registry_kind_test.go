package scenario_test

import (
	"testing"
	"time"

	"github.com/geerpclab/geerpc/chaos/internal/scenariotest"
	"github.com/geerpclab/geerpc/chaos/scenario"
)

// etcdValid returns the valid scenario on etcd: a 1s lease, no heartbeat,
// its dead heartbeat turned into a lease loss.
func etcdValid() *scenario.Scenario {
	s := scenariotest.Valid()
	s.Registry.Kind, s.Registry.Heartbeat = scenario.RegistryEtcd, 0
	s.Faults[2].Type = scenario.FaultLeaseLoss
	s.Thresholds.EvictWithin = true
	return s
}

func TestRegistryKindsTakeTheirOwnFaults(t *testing.T) {
	if err := etcdValid().Validate(); err != nil {
		t.Fatalf("a lease loss on etcd: %v", err)
	}
	sec := func(x float64) scenario.Duration { return scenario.Duration(x * float64(time.Second)) }
	tests := []struct {
		name   string
		break_ func(s *scenario.Scenario)
		field  string
		reason string
	}{
		{"unknown kind", func(s *scenario.Scenario) { s.Registry.Kind = "consul" }, "registry.kind", `"consul" is not "http" or "etcd"`},
		{"lease loss over HTTP", func(s *scenario.Scenario) { s.Registry.Kind = scenario.RegistryHTTP }, "faults[2].type", "lease_loss needs registry.kind \"etcd\""},
		{"etcd taken down", func(s *scenario.Scenario) {
			s.Faults = append(s.Faults, scenario.FaultSpec{Type: scenario.FaultRegistryDown, Start: sec(6), End: sec(7)})
		}, "faults[3].type", "registry_down takes the HTTP registry down"},
		{"lease of a fraction of a second", func(s *scenario.Scenario) { s.Registry.TTL = sec(1.5) }, "registry.ttl", "whole seconds"},
		{"heartbeat in etcd", func(s *scenario.Scenario) { s.Registry.Heartbeat = sec(0.2) }, "registry.heartbeat", "leave heartbeat out"},
		{"a lease loss overlapping a death", func(s *scenario.Scenario) {
			s.Faults = append(s.Faults, scenario.FaultSpec{Type: scenario.FaultZombie, Instances: []string{"a"}, Start: sec(2), End: sec(3)})
		}, "faults[3].window", "overlaps faults[2] (lease_loss)"},
		{"a lease loss overlapping a dead heartbeat", func(s *scenario.Scenario) {
			s.Faults = append(s.Faults, scenario.FaultSpec{Type: scenario.FaultDeadHeartbeat, Instances: []string{"a"}, Start: sec(4), End: sec(6)})
		}, "faults[3].window", "overlaps faults[2] (lease_loss)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := etcdValid()
			tt.break_(s)
			assertFieldError(t, s.Validate(), tt.field, tt.reason)
		})
	}
}

func TestLeaseLossIsALifecycleFault(t *testing.T) {
	if c := scenario.FaultLeaseLoss.Class(); c != scenario.ClassLifecycle {
		t.Fatalf("lease_loss is of class %v, want lifecycle (health checked before and after)", c)
	}
}
