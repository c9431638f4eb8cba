package etcdregistry

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc/geerpctest"
	"github.com/geerpclab/geerpc/geerpc/xclient"
)

// Greeter answers with the name of the server it runs in.
type Greeter struct{ name string }

// Name sets reply to the server's name.
func (g *Greeter) Name(_ int, reply *string) error {
	*reply = g.name
	return nil
}

// serveGreeter starts a geerpc server named name on a loopback port and
// returns its protocol@addr; the test's cleanup shuts it down.
func serveGreeter(t *testing.T, name string) string {
	t.Helper()
	return geerpctest.Start(t, &Greeter{name: name})
}

// callNames calls Greeter.Name n times through xc and counts the answers.
func callNames(t *testing.T, xc *xclient.XClient, n int) (map[string]int, error) {
	t.Helper()
	names := map[string]int{}
	for range n {
		var name string
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := xc.Call(ctx, "Greeter.Name", 0, &name)
		cancel()
		if err != nil {
			return names, err
		}
		names[name]++
	}
	return names, nil
}

func TestXClientOverEtcd(t *testing.T) {
	te := startEtcd(t)
	cli := te.client(t)
	addrA, addrB := serveGreeter(t, "a"), serveGreeter(t, "b")
	regA := register(t, cli, "/greeter", addrA, RegisterOptions{TTL: testTTL})
	register(t, cli, "/greeter", addrB, RegisterOptions{TTL: testTTL})
	d := newTestDiscovery(t, cli, "/greeter", DiscoveryOptions{})
	xc := xclient.NewXClient(d, xclient.RoundRobinSelect, nil)
	t.Cleanup(func() { xc.Close() })

	if names, err := callNames(t, xc, 4); err != nil || names["a"] != 2 || names["b"] != 2 {
		t.Fatalf("4 round robin calls answered by %v, %v; want a and b twice each", names, err)
	}
	if err := regA.Deregister(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitList(t, d, 5*time.Second, addrB)
	if names, err := callNames(t, xc, 4); err != nil || names["b"] != 4 {
		t.Fatalf("after a left, calls answered by %v, %v; want b only", names, err)
	}
}

func TestXClientNoInstances(t *testing.T) {
	te := startEtcd(t)
	d := newTestDiscovery(t, te.client(t), "/nobody", DiscoveryOptions{})
	xc := xclient.NewXClient(d, xclient.RandomSelect, nil)
	defer xc.Close()
	if _, err := callNames(t, xc, 1); !errors.Is(err, xclient.ErrNoInstances) {
		t.Fatalf("call with no registered server = %v, want ErrNoInstances", err)
	}
}
