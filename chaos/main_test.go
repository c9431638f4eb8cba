package chaos

import (
	"flag"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/geerpclab/geerpc/internal/testserver"
)

var seedFlag = flag.Uint64("chaos.seed", 0, "seed of the randomised tests (0: from the clock); printed on failure")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, testserver.IgnoreToxiproxyStubs)
}

// testSeed returns the seed of a test and prints it if the test fails, so
// that the run replays with -chaos.seed.
func testSeed(t *testing.T) uint64 {
	t.Helper()
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay with: go test -run '^%s$' ./chaos/ -chaos.seed=%d", t.Name(), seed)
		}
	})
	return seed
}

// validScenario returns a small scenario that passes Validate; tests break
// one field of it at a time.
func validScenario() *Scenario {
	return &Scenario{
		Name:      "test",
		Seed:      1,
		Instances: []InstanceSpec{{Name: "a", ServiceTime: Duration(time.Millisecond)}, {Name: "b"}, {Name: "c"}},
		Modes:     []string{"round-robin", "p2c"},
		FailModes: []string{"failfast", "failover"},
		Client:    ClientSpec{Idempotent: true, AttemptTimeout: Duration(50 * time.Millisecond)},
		Registry:  RegistrySpec{TTL: Duration(time.Second), Heartbeat: Duration(200 * time.Millisecond), Refresh: Duration(100 * time.Millisecond)},
		Load:      LoadSpec{Rate: 100, Duration: Duration(30 * time.Second), Timeout: Duration(200 * time.Millisecond)},
		Faults: []FaultSpec{
			{Type: FaultLatency, Instances: []string{"c"}, Start: Duration(time.Second), End: Duration(2 * time.Second), Latency: Duration(10 * time.Millisecond)},
			{Type: FaultDropReply, Instances: []string{"b"}, Start: Duration(time.Second), End: Duration(3 * time.Second), Fraction: 0.5},
			{Type: FaultDeadHeartbeat, Instances: []string{"a"}, Start: Duration(time.Second), End: Duration(5 * time.Second)},
		},
		Thresholds: Thresholds{MaxShare: []ShareThreshold{{Mode: "p2c", Instance: "c", Max: 0.1}}},
	}
}
