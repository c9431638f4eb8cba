package chaos

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/registry"
)

// The registry's TTL leaves room for a loaded machine: a zombie's last
// heartbeat must still count when the test looks, however late it looks.
// waitFor bounds every wait for a listing to change, generously.
const (
	testTTL       = time.Second
	testHeartbeat = 100 * time.Millisecond
	waitFor       = testTTL + 10*time.Second
)

// testClusterScenario is the scenario of testCluster: two instances, a and
// b, with a short TTL, and no fault.
func testClusterScenario(t *testing.T) *scenario.Scenario {
	t.Helper()
	s := validScenario()
	s.Instances = s.Instances[:2]
	s.Faults, s.Thresholds = nil, scenario.Thresholds{}
	s.Registry = scenario.RegistrySpec{TTL: scenario.Duration(testTTL), Heartbeat: scenario.Duration(testHeartbeat), Refresh: scenario.Duration(50 * time.Millisecond)}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

// testCluster starts the cluster of testClusterScenario, stopped when the
// test ends.
func testCluster(t *testing.T) *cluster {
	t.Helper()
	s := testClusterScenario(t)
	c, err := startCluster(t.Context(), s, testSeed(t), ClusterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.close)
	return c
}

// listed returns the instance names the registry lists, or an error.
func (c *cluster) listed(ctx context.Context) ([]string, error) {
	items, err := registry.FetchServers(ctx, &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}, c.reg.URL())
	var names []string
	for _, it := range items {
		names = append(names, c.names[it.Addr])
	}
	return names, err
}

// waitListing polls the registry until has(name) is want, for up to limit.
func waitListing(t *testing.T, c *cluster, name string, want bool, limit time.Duration) {
	t.Helper()
	start := time.Now()
	for time.Since(start) < limit {
		names, err := c.listed(t.Context())
		if err == nil && slices.Contains(names, name) == want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("instance %s still listed=%v after %v", name, !want, limit)
}

func call(t *testing.T, addr string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := geerpc.XDialContext(ctx, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	var r demo.EchoReply
	return c.Call(ctx, "Echo.Echo", demo.EchoArgs{Nonce: 1}, &r)
}

func TestDeadHeartbeatLeadsToEviction(t *testing.T) {
	c := testCluster(t)
	f := scenario.FaultSpec{Type: scenario.FaultDeadHeartbeat, Instances: []string{"a"}}
	stopped := time.Now()
	if err := c.apply(t.Context(), 0, f); err != nil {
		t.Fatal(err)
	}
	waitListing(t, c, "a", false, waitFor)
	if d := time.Since(stopped); d < testTTL-testHeartbeat-50*time.Millisecond {
		t.Fatalf("evicted after %v, before its TTL %v", d, testTTL)
	}
	if err := call(t, c.instance("a").Addr()); err != nil {
		t.Fatalf("an instance without heartbeat must keep serving: %v", err)
	}
	if err := c.clear(t.Context(), 0, f); err != nil {
		t.Fatal(err)
	}
	waitListing(t, c, "a", true, waitFor)
}

func TestZombieStaysListedUntilItsTTL(t *testing.T) {
	c := testCluster(t)
	f := scenario.FaultSpec{Type: scenario.FaultZombie, Instances: []string{"a"}}
	if err := c.apply(t.Context(), 0, f); err != nil {
		t.Fatal(err)
	}
	died := time.Now()
	if err := call(t, c.instance("a").Addr()); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("call to a zombie: %v, want connection refused", err)
	}
	if names, err := c.listed(t.Context()); err != nil || !slices.Contains(names, "a") {
		t.Fatalf("a zombie must stay listed until its TTL; listed %v (%v)", names, err)
	}
	waitListing(t, c, "a", false, waitFor)
	if time.Since(died) < testTTL-testHeartbeat-50*time.Millisecond {
		t.Fatalf("zombie left after %v, before its TTL %v", time.Since(died), testTTL)
	}
	if err := c.clear(t.Context(), 0, f); err != nil {
		t.Fatal(err)
	}
	waitListing(t, c, "a", true, waitFor)
	if err := call(t, c.instance("a").Addr()); err != nil {
		t.Fatalf("call after the restart: %v", err)
	}
}

func TestKillDeregistersStopsAndRestarts(t *testing.T) {
	c := testCluster(t)
	f := scenario.FaultSpec{Type: scenario.FaultKill, Instances: []string{"b"}}
	if err := c.apply(t.Context(), 0, f); err != nil {
		t.Fatal(err)
	}
	if names, err := c.listed(t.Context()); err != nil || slices.Contains(names, "b") {
		t.Fatalf("a killed instance deregisters; listed %v (%v)", names, err)
	}
	if err := call(t, c.instance("b").Addr()); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("call to a killed instance: %v, want connection refused", err)
	}
	if err := c.clear(t.Context(), 0, f); err != nil {
		t.Fatal(err)
	}
	waitListing(t, c, "b", true, waitFor)
	if err := call(t, c.instance("b").Addr()); err != nil {
		t.Fatalf("call after the restart: %v", err)
	}
}

func TestRegistryDownRefusesThenComesBackWithItsTable(t *testing.T) {
	c := testCluster(t)
	f := scenario.FaultSpec{Type: scenario.FaultRegistryDown}
	if err := c.apply(t.Context(), 0, f); err != nil {
		t.Fatal(err)
	}
	if _, err := c.listed(t.Context()); !errors.Is(err, registry.ErrUnreachable) {
		t.Fatalf("registry down: %v, want ErrUnreachable", err)
	}
	if err := call(t, c.instance("a").Addr()); err != nil {
		t.Fatalf("instances serve while the registry is down: %v", err)
	}
	if err := c.clear(t.Context(), 0, f); err != nil {
		t.Fatal(err)
	}
	if names, err := c.listed(t.Context()); err != nil || len(names) != 2 {
		t.Fatalf("registry back: listed %v (%v), want both instances", names, err)
	}
}
