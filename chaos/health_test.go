package chaos

import (
	"strings"
	"testing"

	"github.com/geerpclab/geerpc/chaos/scenario"
)

// TestHealthAnswersBeforeAndAfterALifecycleFault probes a zombie's instance
// before the fault, while it is dead (the probe names it) and after the
// heal; a link fault gets no probe.
func TestHealthAnswersBeforeAndAfterALifecycleFault(t *testing.T) {
	c := testCluster(t)
	f := scenario.FaultSpec{Type: scenario.FaultZombie, Instances: []string{"a"}}
	if got := c.health(t.Context(), f); got != healthOK {
		t.Fatalf("health before the fault: %q, want %q", got, healthOK)
	}
	if err := c.apply(t.Context(), 0, f); err != nil {
		t.Fatal(err)
	}
	if got := c.health(t.Context(), f); got == healthOK || !strings.HasPrefix(got, "a: ") {
		t.Fatalf("health of a dead instance: %q, want an error naming a", got)
	}
	if err := c.clear(t.Context(), 0, f); err != nil {
		t.Fatal(err)
	}
	if got := c.health(t.Context(), f); got != healthOK {
		t.Fatalf("health after the heal: %q, want %q", got, healthOK)
	}
	if got := c.health(t.Context(), scenario.FaultSpec{Type: scenario.FaultLatency, Instances: []string{"a"}}); got != "" {
		t.Fatalf("health of a link fault: %q, want none", got)
	}
}
