package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/registry"
	"github.com/geerpclab/geerpc/geerpc/xclient"
)

// Cluster is the set of instances a matrix run balances over: demo servers
// and a registry started in this process on loopback, or instances already
// running (found by their registry or listed by hand).
type Cluster struct {
	discovery func() xclient.Discovery // a fresh discovery per client
	instances []*instance              // in-process only
	names     map[string]string        // protocol@addr to instance name, in-process only
	stop      func()
}

// instance is one in-process demo server.
type instance struct {
	name string
	svc  *demo.Services
}

// StartCluster starts a registry and one demo instance per weight, named
// i1, i2, ... in replies, each announcing its weight by heartbeat, and
// waits until the registry lists them all.
func StartCluster(ctx context.Context, weights []int) (*Cluster, error) {
	regURL, stopReg, err := startRegistry()
	if err != nil {
		return nil, fmt.Errorf("bench: starting the registry: %w", err)
	}
	c := &Cluster{names: map[string]string{}, discovery: func() xclient.Discovery {
		return xclient.NewGeeRegistryDiscovery(regURL, 0)
	}}
	stopInstances, err := c.startInstances(regURL, weights)
	c.stop = func() { stopInstances(); stopReg() }
	if err == nil {
		err = c.await(ctx, len(weights))
	}
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("bench: starting the cluster: %w", err)
	}
	return c, nil
}

// startInstances starts one instance per weight with its heartbeat, and
// returns a function that stops them all, heartbeats first.
func (c *Cluster) startInstances(regURL string, weights []int) (func(), error) {
	hctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var stops []func()
	stopAll := func() {
		cancel()
		wg.Wait()
		for _, s := range stops {
			s()
		}
	}
	for i, w := range weights {
		in, addr, stopSrv, err := startInstance(fmt.Sprintf("i%d", i+1))
		if err != nil {
			return stopAll, err
		}
		stops = append(stops, stopSrv)
		c.instances, c.names[addr] = append(c.instances, in), in.name
		opts := registry.HeartbeatOptions{Period: 10 * time.Second, Weight: w, Deregister: true}
		wg.Go(func() { _ = registry.HeartbeatContext(hctx, regURL, addr, opts) })
	}
	return stopAll, nil
}

// startRegistry serves a registry on a loopback port.
func startRegistry() (string, func(), error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	reg := registry.NewWithOptions(registry.Options{TTL: time.Minute})
	hs := &http.Server{Handler: reg, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = hs.Serve(lis) }()
	url := "http://" + lis.Addr().String() + registry.DefaultPath
	return url, func() { _ = hs.Close(); <-done }, nil
}

// startInstance serves the demo services named name on a loopback port.
func startInstance(name string) (*instance, string, func(), error) {
	srv := geerpc.NewServer()
	svc, err := demo.RegisterAll(srv, demo.Config{Instance: name})
	if err != nil {
		return nil, "", nil, err
	}
	addr, stop, err := serveOver(srv, "tcp")
	if err != nil {
		return nil, "", nil, err
	}
	return &instance{name: name, svc: svc}, addr, stop, nil
}

// await polls the registry until it lists n instances.
func (c *Cluster) await(ctx context.Context, n int) error {
	d := c.discovery()
	for {
		if got, _ := d.GetAll(); len(got) >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d instances in the registry: %w", n, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
		d = c.discovery() // a new discovery asks the registry at once
	}
}

// RemoteCluster balances over instances already running: those the
// registry at registryURL lists when it is not empty, else the given
// protocol@addr instances. Their latency cannot be changed, so only the
// workloads that need no injection run against them.
func RemoteCluster(registryURL string, instances []string) (*Cluster, error) {
	switch {
	case registryURL != "":
		if err := registry.CheckURL(registryURL); err != nil {
			return nil, err
		}
		return &Cluster{discovery: func() xclient.Discovery {
			return xclient.NewGeeRegistryDiscovery(registryURL, 0)
		}, stop: func() {}}, nil
	case len(instances) > 0:
		for _, a := range instances {
			if err := registry.CheckAddr(a); err != nil {
				return nil, err
			}
		}
		return &Cluster{discovery: func() xclient.Discovery {
			return xclient.NewMultiServerDiscovery(instances)
		}, stop: func() {}}, nil
	}
	return nil, errors.New("bench: a remote cluster needs a registry URL or instances")
}

// Local reports whether the cluster runs in this process, so that its
// latency can be set.
func (c *Cluster) Local() bool { return len(c.instances) > 0 }

// SetLatency sets the extra Work.Sleep latency of in-process instance i
// (from 0); it does nothing on a remote cluster.
func (c *Cluster) SetLatency(i int, d time.Duration) {
	if i >= 0 && i < len(c.instances) {
		c.instances[i].svc.SetLatency(d)
	}
}

// Client returns an XClient over the cluster that balances by mode. It
// fails fast and never ejects an instance, so that what is measured is the
// balancer alone. Close it after use.
func (c *Cluster) Client(mode xclient.SelectMode) *xclient.XClient {
	return xclient.NewXClientWithOptions(c.discovery(), xclient.Options{Mode: mode, EjectAfter: -1})
}

// Invoker returns a Caller for mode: the XClient itself, or for consistent
// hashing one that gives each call one of 1,024 keys in turn.
func Invoker(x *xclient.XClient, mode xclient.SelectMode) Caller {
	if mode != xclient.ConsistentHashSelect {
		return x
	}
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("user-%04d", i)
	}
	return &hashKeyed{x: x, keys: keys}
}

// hashKeyed calls through an XClient with a rotating hash key.
type hashKeyed struct {
	x    *xclient.XClient
	keys []string
	n    atomic.Uint64
}

func (h *hashKeyed) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	k := h.keys[h.n.Add(1)%uint64(len(h.keys))]
	return h.x.Call(xclient.WithHashKey(ctx, k), serviceMethod, args, reply)
}

// tally calls through next and counts the calls sent to each instance
// (the last one tried, for a failed call) by the millisecond they started,
// so that the count can start where the load generator's measurement did.
type tally struct {
	next    Caller
	names   map[string]string // protocol@addr to instance name
	base    time.Time
	buckets int
	counts  sync.Map // instance name → []atomic.Int64, one per millisecond from base
}

func newTally(next Caller, names map[string]string, span time.Duration) *tally {
	return &tally{next: next, names: names, base: time.Now(), buckets: int(span/time.Millisecond) + 2000}
}

func (t *tally) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	ms := min(int(time.Since(t.base)/time.Millisecond), t.buckets-1)
	var info xclient.CallInfo
	err := t.next.Call(xclient.WithCallInfo(ctx, &info), serviceMethod, args, reply)
	name, ok := t.names[info.Addr]
	switch {
	case !ok && info.Addr == "":
		name = noReply
	case !ok:
		name = info.Addr
	}
	row, ok := t.counts.Load(name)
	if !ok {
		row, _ = t.counts.LoadOrStore(name, make([]atomic.Int64, t.buckets))
	}
	row.([]atomic.Int64)[ms].Add(1)
	return err
}

// since returns the calls per instance that started at from or later.
func (t *tally) since(from time.Time) map[string]int64 {
	first := max(int(from.Sub(t.base)/time.Millisecond), 0)
	out := map[string]int64{}
	t.counts.Range(func(k, v any) bool {
		row := v.([]atomic.Int64)
		for i := first; i < len(row); i++ {
			out[k.(string)] += row[i].Load()
		}
		return true
	})
	return out
}

// Close stops the in-process instances and registry.
func (c *Cluster) Close() { c.stop() }

// AllModes are the balancing modes a matrix compares, in report order.
var AllModes = xclient.SelectModes()
