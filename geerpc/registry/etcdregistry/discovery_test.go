package etcdregistry

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/geerpclab/geerpc/geerpc/xclient"
)

// newTestDiscovery returns a discovery of prefix that the test's cleanup closes.
func newTestDiscovery(t *testing.T, cli *clientv3.Client, prefix string, opts DiscoveryOptions) *Discovery {
	t.Helper()
	d, err := NewDiscovery(context.Background(), cli, prefix, opts)
	if err != nil {
		t.Fatalf("NewDiscovery: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// register registers addr under prefix; the test's cleanup deregisters it.
func register(t *testing.T, cli *clientv3.Client, prefix, addr string, opts RegisterOptions) *Registration {
	t.Helper()
	reg, err := Register(context.Background(), cli, prefix, addr, opts)
	if err != nil {
		t.Fatalf("Register(%s): %v", addr, err)
	}
	t.Cleanup(func() { reg.Deregister(context.Background()) })
	return reg
}

// listWait bounds a wait for discovery to see a change: generous, since a
// loaded machine takes its time, and ended as soon as the list matches.
const listWait = 20 * time.Second

// waitList waits on d's change notifications (no polling) until GetAll
// returns want, where an empty want means no instance. It returns how long
// that took and fails the test after d.
func waitList(t *testing.T, d *Discovery, within time.Duration, want ...string) time.Duration {
	t.Helper()
	start := time.Now()
	timeout := time.After(within)
	for {
		changed := d.Changed()
		got, err := d.GetAll()
		if slices.Equal(got, want) && (len(want) > 0 || errors.Is(err, xclient.ErrNoInstances)) {
			return time.Since(start)
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("GetAll = %q, %v; want %q within %v", got, err, want, within)
		}
	}
}

func TestDiscoveryFollowsRegistrations(t *testing.T) {
	te := startEtcd(t)
	cli := te.client(t)
	const a, b = "tcp@127.0.0.1:7001", "tcp@127.0.0.1:7002"
	regA := register(t, cli, "", a, RegisterOptions{TTL: testTTL, Weight: 3, Metadata: map[string]string{"zone": "z1"}})
	d := newTestDiscovery(t, cli, "", DiscoveryOptions{})
	waitList(t, d, 0, a) // listed at start

	start := time.Now()
	register(t, cli, "", b, RegisterOptions{TTL: testTTL})
	waitList(t, d, listWait, a, b)
	t.Logf("new instance seen by the watch %v after Register began", time.Since(start))

	inst, err := d.GetAllWeighted()
	if want := []xclient.Instance{{Addr: a, Weight: 3}, {Addr: b, Weight: 1}}; err != nil || !slices.Equal(inst, want) {
		t.Fatalf("GetAllWeighted = %v, %v; want %v", inst, err, want)
	}
	if md, ok := d.Metadata(a); !ok || md["zone"] != "z1" {
		t.Fatalf("Metadata(a) = %v, %v", md, ok)
	}
	start = time.Now()
	if err := regA.Deregister(context.Background()); err != nil {
		t.Fatalf("Deregister: %v", err)
	}
	waitList(t, d, listWait, b)
	t.Logf("deregistered instance gone %v after Deregister began", time.Since(start))
}

func TestDiscoveryGet(t *testing.T) {
	te := startEtcd(t)
	cli := te.client(t)
	d := newTestDiscovery(t, cli, "/svc", DiscoveryOptions{})
	if _, err := d.Get(xclient.RoundRobinSelect); !errors.Is(err, xclient.ErrNoInstances) {
		t.Fatalf("Get on empty = %v, want ErrNoInstances", err)
	}
	addrs := []string{"tcp@127.0.0.1:7001", "tcp@127.0.0.1:7002", "tcp@127.0.0.1:7003"}
	for _, addr := range addrs {
		register(t, cli, "/svc", addr, RegisterOptions{TTL: testTTL})
	}
	waitList(t, d, listWait, addrs...)
	seen := map[string]int{}
	for range 3 * len(addrs) {
		addr, err := d.Get(xclient.RoundRobinSelect)
		if err != nil {
			t.Fatalf("Get(RoundRobinSelect): %v", err)
		}
		seen[addr]++
	}
	for _, addr := range addrs {
		if seen[addr] != 3 {
			t.Fatalf("round robin over 9 calls gave %v, want 3 each", seen)
		}
	}
	if addr, err := d.Get(xclient.RandomSelect); err != nil || !slices.Contains(addrs, addr) {
		t.Fatalf("Get(RandomSelect) = %q, %v", addr, err)
	}
	if _, err := d.Get(xclient.P2CSelect); !errors.Is(err, xclient.ErrUnknownMode) {
		t.Fatalf("Get(P2CSelect) = %v, want ErrUnknownMode", err)
	}
}

func TestDiscoveryLeaseExpiry(t *testing.T) {
	te := startEtcd(t)
	regCli := te.client(t)
	const addr = "tcp@127.0.0.1:7001"
	register(t, regCli, "", addr, RegisterOptions{TTL: testTTL})
	d := newTestDiscovery(t, te.client(t), "", DiscoveryOptions{})
	waitList(t, d, listWait, addr)
	regCli.Close() // kills the keepalive: the lease can only expire
	took := waitList(t, d, testTTL+listWait)
	t.Logf("expired instance gone after %v (TTL %v)", took, testTTL)
}

func TestDiscoveryForeignKeys(t *testing.T) {
	te := startEtcd(t)
	cli := te.client(t)
	var log logRecorder
	putKey(t, cli, DefaultPrefix+"/tcp@127.0.0.1:7001", "written by hand")
	putKey(t, cli, DefaultPrefix+"/tcp@127.0.0.1:7002", `{"weight":5}`)
	putKey(t, cli, DefaultPrefix+"/not-an-address", "x")
	putKey(t, cli, DefaultPrefix+"x/tcp@127.0.0.1:7003", "") // a sibling prefix, not ours
	d := newTestDiscovery(t, cli, "", DiscoveryOptions{Logger: log.logger()})
	inst, err := d.GetAllWeighted()
	want := []xclient.Instance{{Addr: "tcp@127.0.0.1:7001", Weight: 1}, {Addr: "tcp@127.0.0.1:7002", Weight: 5}}
	if err != nil || !slices.Equal(inst, want) {
		t.Fatalf("GetAllWeighted = %v, %v; want %v", inst, err, want)
	}
	if _, n := log.errs("ignoring key"); n != 1 {
		t.Fatalf("%d ignored keys logged, want 1", n)
	}
}

func TestDiscoveryClosed(t *testing.T) {
	if _, err := NewDiscovery(context.Background(), nil, "", DiscoveryOptions{}); !errors.Is(err, ErrNilClient) {
		t.Fatalf("NewDiscovery(nil client) = %v, want ErrNilClient", err)
	}
	te := startEtcd(t)
	cli := te.client(t)
	ctx, cancel := context.WithCancel(context.Background())
	d, err := NewDiscovery(ctx, cli, "", DiscoveryOptions{})
	if err != nil {
		t.Fatalf("NewDiscovery: %v", err)
	}
	if err := d.Update([]string{"tcp@127.0.0.1:1"}); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Update = %v, want ErrReadOnly", err)
	}
	cancel()
	select {
	case <-d.done:
	case <-time.After(listWait):
		t.Fatalf("watch goroutine still running %v after ctx ended", listWait)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	checks := map[string]func() error{
		"Refresh":        d.Refresh,
		"Close":          d.Close,
		"GetAll":         func() error { _, err := d.GetAll(); return err },
		"GetAllWeighted": func() error { _, err := d.GetAllWeighted(); return err },
		"Get":            func() error { _, err := d.Get(xclient.RandomSelect); return err },
	}
	for name, call := range checks {
		if err := call(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}

func TestNewDiscoveryUnreachable(t *testing.T) {
	endpoint := freeURL(t) // nothing listens there
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint.String()}, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	start := time.Now()
	_, err = NewDiscovery(context.Background(), cli, "", DiscoveryOptions{OpTimeout: 300 * time.Millisecond})
	if err == nil {
		t.Fatal("NewDiscovery succeeded without etcd")
	}
	if took := time.Since(start); took > listWait {
		t.Fatalf("NewDiscovery took %v to fail, want about its 300ms OpTimeout", took)
	}
}
