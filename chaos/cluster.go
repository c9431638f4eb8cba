package chaos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
	geecluster "github.com/geerpclab/geerpc/cluster"
	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/internal/pause"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// ClusterOptions say where a run's instances run. The zero value runs them
// in this process behind an embedded Toxiproxy. The registry is the
// scenario's kind: the HTTP registry, or an etcd embedded in this process
// for either backend.
type ClusterOptions struct {
	// Backend is geecluster.InProcess (the zero value) or geecluster.Processes:
	// each instance a geerpc serve child, an HTTP registry a geerpc
	// registry child, the links proxies of a Toxiproxy server.
	Backend geecluster.Backend
	// Binary is the geerpc binary of the process backend (see
	// geecluster.Options.Binary).
	Binary string
	// Toxiproxy is the URL of the Toxiproxy server of the process backend
	// or of a user's deployment; empty means one served by this process.
	Toxiproxy string
	// Registry, when set, is the URL of the HTTP registry of a deployment
	// the harness did not start: nothing is started, each scenario instance
	// is reached through the proxy named after it on the Toxiproxy server,
	// and only link faults apply.
	Registry string
	// Etcd, when set, are the loopback endpoints of the etcd of a
	// deployment the harness did not start, as Registry is for the HTTP
	// registry: clients discover its instances there.
	Etcd []string
}

// remote reports whether the options name a user's deployment.
func (co ClusterOptions) remote() bool { return co.Registry != "" || len(co.Etcd) > 0 }

// cluster is a scenario's world: the registry, the links and the instances.
type cluster struct {
	s      *scenario.Scenario
	cl     *geecluster.Cluster  // nil for a user's deployment
	reg    *geecluster.Registry // nil for a user's deployment
	regURL string
	links  *geecluster.Links // process backend only
	etcd   *clientv3.Client  // with an etcd registry: the discoveries'
	ins    []*instance
	names  map[string]string // client address -> instance name
}

// startCluster starts the registry and every instance, and waits until the
// registry lists them all.
func startCluster(ctx context.Context, s *scenario.Scenario, seed uint64, co ClusterOptions) (*cluster, error) {
	c := &cluster{s: s, names: map[string]string{}}
	for i, spec := range s.Instances {
		in := &instance{spec: spec, inj: NewCallInjector(seed + uint64(i)*0x1000193), svc: demo.New(demo.Config{Instance: spec.Name})}
		if co.Backend == geecluster.Processes && needsControl(s) {
			in.calls = newProcCalls(seed + uint64(i)*0x1000193)
		}
		c.ins = append(c.ins, in)
	}
	if co.remote() {
		return c, c.attach(ctx, co)
	}
	opts := geecluster.Options{Backend: co.Backend, Binary: co.Binary, TTL: s.Registry.TTLOrDefault(), Heartbeat: s.Registry.HeartbeatOrDefault(),
		ListTimeout: 10 * time.Second, NewServer: c.newServer, Registry: registryKind(s.Registry), Faults: needsControl(s)}
	front, err := c.linker(ctx, co)
	if err != nil {
		return nil, err
	}
	opts.Front = front
	if c.cl, err = geecluster.Start(ctx, opts, c.specs()); err != nil {
		c.closeLinks()
		return nil, fmt.Errorf("geerpc: chaos: %w", err)
	}
	c.reg = c.cl.Registry()
	if c.reg != nil {
		c.regURL = c.reg.URL()
	} else {
		c.etcd = c.cl.Etcd().Client()
	}
	for _, in := range c.ins {
		in.c = c.cl.Instance(in.spec.Name)
		c.names[in.Addr()] = in.spec.Name
	}
	return c, nil
}

// attach reaches the instances of a user's deployment through the proxies
// named after them on its Toxiproxy server; on error what it opened is
// closed.
func (c *cluster) attach(ctx context.Context, co ClusterOptions) error {
	links, err := geecluster.StartLinks(ctx, co.Toxiproxy)
	if err != nil {
		return fmt.Errorf("geerpc: chaos: %w", err)
	}
	c.links, c.regURL = links, co.Registry
	if err := c.dialEtcd(ctx, co); err != nil {
		c.close()
		return err
	}
	for _, in := range c.ins {
		p, err := links.Proxy(ctx, in.spec.Name)
		if err != nil {
			c.close()
			return fmt.Errorf("geerpc: chaos: instance %s: no proxy of that name on %s: %w", in.spec.Name, links.URL(), err)
		}
		addr, err := loopbackListen(p.Listen)
		if err != nil {
			c.close()
			return fmt.Errorf("geerpc: chaos: instance %s: proxy listens on %q: %w", in.spec.Name, p.Listen, err)
		}
		in.proxy = &serverLink{links: links, name: in.spec.Name, addr: addr, toxics: map[string]bool{}}
		c.names[in.Addr()] = in.spec.Name
	}
	return nil
}

// loopbackListen returns the loopback host:port to dial a proxy listening
// on listen: its own when it is a loopback address, 127.0.0.1 for an
// unspecified one; any other host is refused.
func loopbackListen(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", err
	}
	ip := net.ParseIP(host)
	switch {
	case host == "" || host == "localhost" || (ip != nil && ip.IsUnspecified()):
		return net.JoinHostPort("127.0.0.1", port), nil
	case ip != nil && ip.IsLoopback():
		return listen, nil
	}
	return "", ErrNotLoopback
}

// specs returns the cluster package's specs of the scenario's instances.
func (c *cluster) specs() []geecluster.InstanceSpec {
	out := make([]geecluster.InstanceSpec, len(c.ins))
	for i, in := range c.ins {
		out[i] = geecluster.InstanceSpec{Name: in.spec.Name, Weight: in.spec.Weight, ServiceTime: in.spec.ServiceTime.D()}
	}
	return out
}

// linker returns the Front hook that puts each instance behind its link:
// an embedded proxy in process, a Toxiproxy server's proxy for processes.
// Instances start at once; each hook call sets its own instance's proxy.
func (c *cluster) linker(ctx context.Context, co ClusterOptions) (func(geecluster.InstanceSpec, string) (string, error), error) {
	if co.Backend == geecluster.InProcess {
		links := NewLinks()
		return func(spec geecluster.InstanceSpec, listen string) (string, error) {
			p, err := links.Proxy(spec.Name, listen)
			if err != nil {
				return "", err
			}
			c.ins[c.s.InstanceIndex(spec.Name)].proxy = p
			return p.Addr(), nil
		}, nil
	}
	links, err := geecluster.StartLinks(ctx, co.Toxiproxy)
	if err != nil {
		return nil, fmt.Errorf("geerpc: chaos: %w", err)
	}
	c.links = links
	return func(spec geecluster.InstanceSpec, listen string) (string, error) {
		addr, err := links.Front(spec, listen)
		if err == nil {
			c.ins[c.s.InstanceIndex(spec.Name)].proxy = &serverLink{links: links, name: spec.Name, addr: addr, toxics: map[string]bool{}}
		}
		return addr, err
	}, nil
}

// newServer serves an in-process instance's demo services behind its call
// faults.
func (c *cluster) newServer(spec geecluster.InstanceSpec, stop <-chan struct{}) (*geerpc.Server, error) {
	in := c.ins[c.s.InstanceIndex(spec.Name)]
	return newFaultyServer(in.svc, in.inj, in.spec.ServiceTime.D(), stop)
}

// instance returns the instance named name.
func (c *cluster) instance(name string) *instance {
	return c.ins[c.s.InstanceIndex(name)]
}

// close stops every instance, the registry and the links.
func (c *cluster) close() {
	if c.cl != nil {
		c.cl.Close()
	}
	for _, in := range c.ins {
		if in.proxy != nil {
			in.proxy.Close()
		}
	}
	c.closeLinks()
	if c.cl == nil && c.etcd != nil {
		_ = c.etcd.Close() // a user's deployment's: dialled by attach
	}
}

func (c *cluster) closeLinks() {
	if c.links != nil {
		c.links.Close()
	}
}

// procs reports whether the instances are processes.
func (c *cluster) procs() bool { return c.cl != nil && c.cl.Backend() == geecluster.Processes }

// apply starts fault id.
func (c *cluster) apply(ctx context.Context, id int, f scenario.FaultSpec) error {
	if f.Type == scenario.FaultRegistryDown {
		c.reg.Down()
		return nil
	}
	var errs []error
	for _, name := range f.Instances {
		errs = append(errs, c.applyOn(ctx, c.instance(name), id, f))
	}
	return errors.Join(errs...)
}

func (c *cluster) applyOn(ctx context.Context, in *instance, id int, f scenario.FaultSpec) error {
	switch f.Type.Class() {
	case scenario.ClassLink:
		return in.proxy.Apply(linkFault(f))
	case scenario.ClassCall:
		return in.setCall(ctx, id, CallFault{Type: f.Type, Fraction: f.Fraction, Delay: f.Delay.D()})
	}
	switch f.Type {
	case scenario.FaultDeadHeartbeat:
		return in.c.StopHeartbeat()
	case scenario.FaultFreeze:
		return in.c.Freeze()
	case scenario.FaultZombie:
		err := in.keepCalls(ctx)
		if !c.procs() {
			in.proxy.Stop() // in process, the host's connections go with it
		}
		in.c.Kill()
		return err
	case scenario.FaultKill:
		return errors.Join(in.keepCalls(ctx), c.stop(ctx, in))
	case scenario.FaultLeaseLoss:
		_, err := in.c.LoseLease(ctx)
		return err
	}
	return nil
}

// stop stops in cleanly: out of the registry, drained for one refresh
// interval (a process deregisters and drains by itself on SIGTERM), then
// stopped with a second's grace.
func (c *cluster) stop(ctx context.Context, in *instance) error {
	if c.procs() {
		return in.c.Stop(ctx, time.Second)
	}
	_ = in.c.StopHeartbeat()
	err := in.c.Deregister(ctx)
	pause.For(ctx, c.s.Registry.RefreshOrDefault()+50*time.Millisecond)
	err = errors.Join(err, in.c.Stop(ctx, time.Second))
	in.proxy.Stop()
	return err
}

// clear ends fault id.
func (c *cluster) clear(ctx context.Context, id int, f scenario.FaultSpec) error {
	if f.Type == scenario.FaultRegistryDown {
		return c.reg.Up(ctx)
	}
	var errs []error
	for _, name := range f.Instances {
		errs = append(errs, c.clearOn(ctx, c.instance(name), id, f))
	}
	return errors.Join(errs...)
}

func (c *cluster) clearOn(ctx context.Context, in *instance, id int, f scenario.FaultSpec) error {
	switch f.Type.Class() {
	case scenario.ClassLink:
		return in.proxy.Clear(linkFault(f))
	case scenario.ClassCall:
		return in.removeCall(ctx, id)
	}
	switch f.Type {
	case scenario.FaultDeadHeartbeat:
		return in.c.StartHeartbeat(ctx)
	case scenario.FaultFreeze:
		return in.c.Thaw()
	case scenario.FaultLeaseLoss:
		return in.c.RegainLease(ctx)
	case scenario.FaultZombie, scenario.FaultKill:
		if err := in.proxy.Start(); err != nil {
			return err
		}
		if err := in.c.Restart(ctx); err != nil {
			return fmt.Errorf("%w: restart %s: %w", ErrFault, in.spec.Name, err)
		}
		return in.restoreCalls(ctx)
	}
	return nil
}

func linkFault(f scenario.FaultSpec) LinkFault {
	return LinkFault{Type: f.Type, Latency: f.Latency.D(), Jitter: f.Jitter.D(), RateKB: f.RateKB, Direction: f.Direction}
}
