package cluster

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/geerpclab/geerpc/geerpc/registry/etcdregistry"
	"github.com/geerpclab/geerpc/geerpc/xclient"
	"github.com/geerpclab/geerpc/internal/embedetcd"
)

// startEtcdTest starts a cluster of threeSpecs registered in etcd (embedded
// unless endpoints are given) and closes it at the end of the test.
func startEtcdTest(t *testing.T, b Backend, endpoints ...string) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := Options{Backend: b, Binary: testBinary, Registry: EtcdRegistry, Etcd: endpoints, TTL: 2 * time.Second}
	c, err := Start(ctx, opts, threeSpecs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// watchEtcd returns a discovery of the cluster's etcd, as clients use it.
func watchEtcd(t *testing.T, c *Cluster) *etcdregistry.Discovery {
	t.Helper()
	d, err := etcdregistry.NewDiscovery(context.Background(), c.Etcd().Client(), c.Etcd().Prefix(), etcdregistry.DiscoveryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// lists reports whether d lists exactly the addresses of the instances.
func lists(d *etcdregistry.Discovery, ins ...*Instance) bool {
	got, _ := d.GetAll()
	want := make([]string, len(ins))
	for i, in := range ins {
		want[i] = in.Addr()
	}
	slices.Sort(want)
	return slices.Equal(got, want)
}

func TestEtcdClusterListsAndEvicts(t *testing.T) {
	for _, b := range []Backend{InProcess, Processes} {
		t.Run(b.String(), func(t *testing.T) {
			c := startEtcdTest(t, b)
			if c.Registry() != nil || !c.Etcd().Embedded() || c.TTL() != 2*time.Second {
				t.Fatalf("registry %v, etcd embedded %v, TTL %v", c.Registry(), c.Etcd().Embedded(), c.TTL())
			}
			d := watchEtcd(t, c)
			a, bb, cc := c.Instance("a"), c.Instance("b"), c.Instance("c")
			waitFor(t, "discovery lists all three", func() bool { return lists(d, a, bb, cc) })
			if ws, _ := d.GetAllWeighted(); ws[slices.IndexFunc(ws, func(w xclient.Instance) bool { return w.Addr == bb.Addr() })].Weight != 2 {
				t.Errorf("b registered with weights %v, want 2", ws)
			}
			if err := bb.Stop(context.Background(), time.Second); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "a stopped instance leaves at once", func() bool { return lists(d, a, cc) })
			a.Kill() // no goodbye: its key stays until its lease expires
			waitFor(t, "a killed instance leaves when its lease expires", func() bool { return lists(d, cc) })
			if err := a.Restart(context.Background()); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "a restarted instance is back", func() bool { return lists(d, a, cc) })
			if got, err := echoFrom(t, a.Addr()); err != nil || got != "a" {
				t.Fatalf("restarted a answered %q, %v", got, err)
			}
		})
	}
}

func TestLeaseLossEvictsThenInstanceReturns(t *testing.T) {
	for _, b := range []Backend{InProcess, Processes} {
		t.Run(b.String(), func(t *testing.T) {
			c := startEtcdTest(t, b)
			d := watchEtcd(t, c)
			a, bb, cc := c.Instance("a"), c.Instance("b"), c.Instance("c")
			waitFor(t, "discovery lists all three", func() bool { return lists(d, a, bb, cc) })
			lost, err := a.LoseLease(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "a leaves discovery", func() bool { return lists(d, bb, cc) })
			time.Sleep(c.TTL() + time.Second) // cut off from etcd, a cannot register again
			if !lists(d, bb, cc) {
				t.Fatal("a registered again while cut off from etcd")
			}
			if got, err := echoFrom(t, a.Addr()); err != nil || got != "a" {
				t.Fatalf("a serves on after losing its lease: answered %q, %v", got, err)
			}
			if err := a.RegainLease(context.Background()); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "a is listed again", func() bool { return lists(d, a, bb, cc) })
			if lease, err := c.Etcd().Lease(context.Background(), a.Addr()); err != nil || lease == lost {
				t.Fatalf("a's key is on lease %x (%v), lost %x", lease, err, lost)
			}
		})
	}
}

func TestEtcdClusterOnAUsersEtcd(t *testing.T) {
	e, err := embedetcd.Start(t.TempDir(), "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ep := e.Clients[0].Addr().String()
	c := startEtcdTest(t, InProcess, ep)
	if c.Etcd().Embedded() || !slices.Equal(c.Etcd().Endpoints(), []string{ep}) {
		t.Fatalf("etcd embedded %v at %v, want the user's at %s", c.Etcd().Embedded(), c.Etcd().Endpoints(), ep)
	}
	d := watchEtcd(t, c)
	waitFor(t, "discovery lists all three", func() bool { return lists(d, c.Instances()...) })
	cli := c.Etcd().Client()
	_ = d.Close()
	c.Close()
	if cli.Ctx().Err() == nil {
		t.Error("the cluster's etcd client is still open after Close")
	}
	user, err := newEtcdClient(context.Background(), []string{ep})
	if err != nil {
		t.Fatalf("the user's etcd stopped with the cluster: %v", err)
	}
	defer user.Close()
	resp, err := user.Get(context.Background(), etcdregistry.DefaultPrefix+"/", clientv3.WithPrefix())
	if err != nil || len(resp.Kvs) != 0 {
		t.Fatalf("keys left in the user's etcd after Close: %v (%v)", resp.Kvs, err)
	}
}

func TestEtcdClusterReapsEveryChild(t *testing.T) {
	c := startEtcdTest(t, Processes)
	kids, err := Children()
	if err != nil {
		t.Skip(err)
	}
	if len(kids) != 3 {
		t.Errorf("children while running: %v, want the three instances", kids)
	}
	c.Close()
	if kids, _ := Children(); len(kids) != 0 {
		t.Errorf("children left after Close: %v", kids)
	}
}

func TestEtcdOptionsRefused(t *testing.T) {
	for name, opts := range map[string]Options{
		"remote endpoint":        {Registry: EtcdRegistry, Etcd: []string{"192.0.2.1:2379"}},
		"endpoint without port":  {Registry: EtcdRegistry, Etcd: []string{"127.0.0.1"}},
		"endpoints without etcd": {Etcd: []string{"127.0.0.1:2379"}},
		"unknown kind":           {Registry: "consul"},
	} {
		if _, err := Start(context.Background(), opts, threeSpecs); !errors.Is(err, ErrBadOptions) {
			t.Errorf("%s: Start = %v, want ErrBadOptions", name, err)
		}
	}
	if k, err := ParseRegistryKind("etcd"); err != nil || k != EtcdRegistry || k.String() != "etcd" {
		t.Errorf("ParseRegistryKind(etcd) = %q, %v", k, err)
	}
	if _, err := ParseRegistryKind("zk"); !errors.Is(err, ErrBadOptions) {
		t.Errorf("ParseRegistryKind(zk) = %v", err)
	}
	c := startTest(t, InProcess)
	if _, err := c.Instance("a").LoseLease(context.Background()); !errors.Is(err, ErrUnsupported) {
		t.Errorf("LoseLease with an HTTP registry: %v, want ErrUnsupported", err)
	}
}
