package cluster

import (
	"context"
	"testing"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
)

// timedEcho returns how long one Echo through addr took.
func timedEcho(t *testing.T, addr string) time.Duration {
	t.Helper()
	start := time.Now()
	if _, err := echoFrom(t, addr); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}

func TestLinksSlowAnInstanceAndResetAtTheEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	links, err := StartLinks(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Start(ctx, Options{Backend: Processes, Binary: testBinary, Front: links.Front}, threeSpecs[:2])
	if err != nil {
		links.Close()
		t.Fatal(err)
	}
	a := c.Instance("a")
	if p, err := links.Proxy(ctx, "a"); err != nil || "tcp@"+p.Listen != a.Addr() || p.Upstream != a.Listen() {
		t.Fatalf("proxy a: %+v, %v; instance at %s behind %s", p, err, a.Listen(), a.Addr())
	}
	slow := toxiclient.Toxic{Name: "slow", Type: "latency", Stream: "downstream", Toxicity: 1,
		Attributes: toxiclient.Attributes{"latency": 300}}
	if err := links.AddToxic(ctx, "a", slow); err != nil {
		t.Fatal(err)
	}
	if d := timedEcho(t, a.Addr()); d < 300*time.Millisecond {
		t.Errorf("an Echo through a 300ms latency toxic took %v", d)
	}
	if err := links.SetEnabled(ctx, "b", false); err != nil {
		t.Fatal(err)
	}
	if _, err := echoFrom(t, c.Instance("b").Addr()); err == nil {
		t.Error("b answered through a disabled proxy")
	}
	c.Close()
	links.Close()
	if kids, err := Children(); err == nil && len(kids) != 0 {
		t.Errorf("children left: %v", kids)
	}
}

func TestLinksRefuseAServerThatIsNotThere(t *testing.T) {
	addr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := StartLinks(context.Background(), "http://"+addr); err == nil {
		t.Fatal("StartLinks on a closed port succeeded")
	}
}
