package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"

	"github.com/geerpclab/geerpc/cluster"
	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/registry"
	"github.com/geerpclab/geerpc/geerpc/xclient"
)

// Cluster is the set of instances a matrix run balances over: demo
// instances and a registry started by the cluster package on loopback (in
// this process or as child processes behind Toxiproxy), or instances
// already running (found by their registry or listed by hand).
type Cluster struct {
	discovery func() xclient.Discovery // a fresh discovery per client
	cl        *cluster.Cluster         // nil for running instances
	links     *cluster.Links           // processes only: the proxies that slow them
	svcs      []*demo.Services         // in process only, by instance
	latency   []time.Duration          // processes only: the latency toxic of each instance
	names     map[string]string        // protocol@addr to instance name, started clusters only
	stop      func()
}

// ClusterOptions say where StartClusterOn starts the instances. The zero
// value starts them in process.
type ClusterOptions struct {
	// Backend is cluster.InProcess (the zero value) or cluster.Processes.
	Backend cluster.Backend
	// Binary is the geerpc binary of the process backend (see
	// cluster.Options.Binary).
	Binary string
	// Toxiproxy is the URL of a Toxiproxy server the process backend slows
	// instances through; empty means one the run starts itself.
	Toxiproxy string
}

// StartCluster starts a registry and one demo instance per weight in this
// process; see StartClusterOn.
func StartCluster(ctx context.Context, weights []int) (*Cluster, error) {
	return StartClusterOn(ctx, ClusterOptions{}, weights)
}

// StartClusterOn starts a registry and one demo instance per weight, named
// i1, i2, ... in replies, each announcing its weight by heartbeat, and
// waits until the registry lists them all. Process instances sit behind
// Toxiproxy proxies named after them, through which SetLatency slows them.
func StartClusterOn(ctx context.Context, o ClusterOptions, weights []int) (*Cluster, error) {
	c := &Cluster{names: map[string]string{}}
	opts := cluster.Options{Backend: o.Backend, Binary: o.Binary, TTL: time.Minute, Heartbeat: 10 * time.Second}
	specs := make([]cluster.InstanceSpec, len(weights))
	for i, w := range weights {
		specs[i] = cluster.InstanceSpec{Name: fmt.Sprintf("i%d", i+1), Weight: w}
	}
	if o.Backend == cluster.InProcess {
		c.svcs = make([]*demo.Services, len(weights))
		opts.NewServer = c.newServer
	} else {
		links, err := cluster.StartLinks(ctx, o.Toxiproxy)
		if err != nil {
			return nil, fmt.Errorf("geerpc: bench: %w", err)
		}
		c.links, c.latency, opts.Front = links, make([]time.Duration, len(weights)), links.Front
	}
	cl, err := cluster.Start(ctx, opts, specs)
	if err != nil {
		c.closeLinks()
		return nil, fmt.Errorf("geerpc: bench: starting the cluster: %w", err)
	}
	c.cl, c.stop = cl, func() { cl.Close(); c.closeLinks() }
	for _, in := range cl.Instances() {
		c.names[in.Addr()] = in.Name()
	}
	url := cl.Registry().URL()
	c.discovery = func() xclient.Discovery { return xclient.NewGeeRegistryDiscovery(url, 0) }
	return c, nil
}

// newServer serves the demo services of an in-process instance and keeps
// them, so that SetLatency can slow it. Instances start at once, so svcs
// is written by index only.
func (c *Cluster) newServer(spec cluster.InstanceSpec, _ <-chan struct{}) (*geerpc.Server, error) {
	var i int
	_, _ = fmt.Sscanf(spec.Name, "i%d", &i)
	srv := geerpc.NewServer()
	svc, err := demo.RegisterAll(srv, demo.Config{Instance: spec.Name})
	if err == nil {
		c.svcs[i-1] = svc
	}
	return srv, err
}

func (c *Cluster) closeLinks() {
	if c.links != nil {
		c.links.Close()
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
	return nil, errors.New("geerpc: bench: a remote cluster needs a registry URL or instances")
}

// Size returns the number of instances of a started cluster, else 0.
func (c *Cluster) Size() int {
	if c.cl == nil {
		return 0
	}
	return len(c.cl.Instances())
}

// SetLatency slows instance i (from 0) by d: in process its Work.Sleep
// takes d longer, as a process its replies cross a latency toxic of d on
// its proxy. It does nothing on running instances.
func (c *Cluster) SetLatency(ctx context.Context, i int, d time.Duration) error {
	switch {
	case c.svcs != nil && i >= 0 && i < len(c.svcs):
		c.svcs[i].SetLatency(d)
	case c.links != nil && i >= 0 && i < len(c.latency) && c.latency[i] != d:
		return c.setToxic(ctx, i, d)
	}
	return nil
}

// setToxic replaces the latency toxic of process instance i.
func (c *Cluster) setToxic(ctx context.Context, i int, d time.Duration) error {
	name := fmt.Sprintf("i%d", i+1)
	if c.latency[i] > 0 {
		if err := c.links.RemoveToxic(ctx, name, "bench-latency"); err != nil {
			return err
		}
		c.latency[i] = 0
	}
	if d > 0 {
		t := toxiclient.Toxic{Name: "bench-latency", Type: "latency", Stream: "downstream", Toxicity: 1,
			Attributes: toxiclient.Attributes{"latency": d.Milliseconds()}}
		if err := c.links.AddToxic(ctx, name, t); err != nil {
			return err
		}
		c.latency[i] = d
	}
	return nil
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

// Close stops the instances, the registry and the proxies it started.
func (c *Cluster) Close() { c.stop() }

// AllModes are the balancing modes a matrix compares, in report order.
var AllModes = xclient.SelectModes()
