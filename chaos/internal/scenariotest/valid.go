// Package scenariotest holds the scenario that the tests of chaos and chaos/scenario start from.
package scenariotest

import (
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
)

// Valid returns a small scenario that passes Validate: three instances, two
// modes, two fail modes, a latency, a drop_reply and a dead_heartbeat fault
// and a P2C share threshold. Tests break one field of it at a time.
func Valid() *scenario.Scenario {
	d := func(x time.Duration) scenario.Duration { return scenario.Duration(x) }
	return &scenario.Scenario{
		Name:      "test",
		Seed:      1,
		Instances: []scenario.InstanceSpec{{Name: "a", ServiceTime: d(time.Millisecond)}, {Name: "b"}, {Name: "c"}},
		Modes:     []string{"round-robin", "p2c"},
		FailModes: []string{"failfast", "failover"},
		Client:    scenario.ClientSpec{Idempotent: true, AttemptTimeout: d(50 * time.Millisecond)},
		Registry:  scenario.RegistrySpec{TTL: d(time.Second), Heartbeat: d(200 * time.Millisecond), Refresh: d(100 * time.Millisecond)},
		Load:      scenario.LoadSpec{Rate: 100, Duration: d(30 * time.Second), Timeout: d(200 * time.Millisecond)},
		Faults: []scenario.FaultSpec{
			{Type: scenario.FaultLatency, Instances: []string{"c"}, Start: d(time.Second), End: d(2 * time.Second), Latency: d(10 * time.Millisecond)},
			{Type: scenario.FaultDropReply, Instances: []string{"b"}, Start: d(time.Second), End: d(3 * time.Second), Fraction: 0.5},
			{Type: scenario.FaultDeadHeartbeat, Instances: []string{"a"}, Start: d(time.Second), End: d(5 * time.Second)},
		},
		Thresholds: scenario.Thresholds{MaxShare: []scenario.ShareThreshold{{Mode: "p2c", Instance: "c", Max: 0.1}}},
	}
}
