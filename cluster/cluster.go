package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/geerpclab/geerpc/internal/pause"
)

// Cluster is a registry and its instances. Its methods are safe for
// concurrent use; each Instance and the Registry serialise their own
// operations.
type Cluster struct {
	opts    Options
	reg     *Registry // nil with an etcd registry
	etcd    *Etcd     // nil with an HTTP registry
	ins     []*Instance
	cleanup func() // removes a binary built for this cluster
}

// Start starts the registry and one instance per spec, and waits until the
// registry lists them all. On error, what was started is stopped.
func Start(ctx context.Context, opts Options, specs []InstanceSpec) (*Cluster, error) {
	if err := checkSpecs(specs); err != nil {
		return nil, err
	}
	c := &Cluster{opts: opts, cleanup: func() {}}
	if err := c.start(ctx, specs); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func checkSpecs(specs []InstanceSpec) error {
	if len(specs) == 0 {
		return fmt.Errorf("%w: a cluster needs an instance", ErrBadOptions)
	}
	for i, s := range specs {
		if s.Name == "" || slices.IndexFunc(specs[:i], func(o InstanceSpec) bool { return o.Name == s.Name }) >= 0 {
			return fmt.Errorf("%w: instances[%d]: empty or repeated name %q", ErrBadOptions, i, s.Name)
		}
	}
	return nil
}

// start starts the registry, then every instance at once, then waits for
// the listing.
func (c *Cluster) start(ctx context.Context, specs []InstanceSpec) error {
	if c.opts.Backend == Processes {
		bin, cleanup, err := binary(ctx, c.opts.Binary)
		if err != nil {
			return err
		}
		c.opts.Binary, c.cleanup = bin, cleanup
	} else if c.opts.Backend != InProcess {
		return fmt.Errorf("%w: backend %q", ErrBadOptions, c.opts.Backend)
	}
	reg, err := c.startRegistry(ctx)
	if err != nil {
		return err
	}
	c.ins = make([]*Instance, len(specs))
	g, gctx := errgroup.WithContext(ctx)
	for i, spec := range specs {
		g.Go(func() error {
			in, err := startInstance(gctx, c.opts, spec, reg)
			c.ins[i] = in
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return c.waitListed(ctx)
}

// startRegistry starts the registry of the cluster's kind.
func (c *Cluster) startRegistry(ctx context.Context) (registrar, error) {
	switch c.opts.Registry {
	case HTTPRegistry:
		if len(c.opts.Etcd) > 0 {
			return nil, fmt.Errorf("%w: etcd endpoints with an HTTP registry", ErrBadOptions)
		}
		reg, err := startRegistry(ctx, c.opts)
		c.reg = reg
		return reg, err
	case EtcdRegistry:
		e, err := startEtcd(ctx, c.opts)
		c.etcd = e
		return e, err
	}
	return nil, fmt.Errorf("%w: registry kind %q", ErrBadOptions, c.opts.Registry)
}

// registrar returns the cluster's registry, whichever its kind.
func (c *Cluster) registrar() registrar {
	if c.etcd != nil {
		return c.etcd
	}
	return c.reg
}

// waitListed waits until the registry lists every instance (a user's etcd
// may list others beside them).
func (c *Cluster) waitListed(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.listTimeout())
	defer cancel()
	for {
		addrs, err := c.registrar().listed(ctx)
		n := 0
		for _, in := range c.ins {
			if slices.Contains(addrs, in.Addr()) {
				n++
			}
		}
		if err == nil && n == len(c.ins) {
			return nil
		}
		if !pause.For(ctx, 20*time.Millisecond) {
			return fmt.Errorf("%w: %d of %d: %w", ErrNotListed, n, len(c.ins), errors.Join(err, ctx.Err()))
		}
	}
}

// Backend returns the backend the cluster runs on.
func (c *Cluster) Backend() Backend { return c.opts.Backend }

// Registry returns the cluster's HTTP registry, or nil when it runs etcd.
func (c *Cluster) Registry() *Registry { return c.reg }

// Etcd returns the cluster's etcd, or nil when it runs the HTTP registry.
func (c *Cluster) Etcd() *Etcd { return c.etcd }

// RegistryKind returns the kind of the cluster's registry.
func (c *Cluster) RegistryKind() RegistryKind { return c.opts.Registry }

// Instances returns the instances in the order of their specs.
func (c *Cluster) Instances() []*Instance { return slices.Clone(c.ins) }

// Instance returns the instance named name, or nil.
func (c *Cluster) Instance(name string) *Instance {
	for _, in := range c.ins {
		if in != nil && in.spec.Name == name {
			return in
		}
	}
	return nil
}

// TTL returns how long the registry lists an instance after its last
// heartbeat: the HTTP registry's TTL, or the etcd lease TTL (whole seconds).
func (c *Cluster) TTL() time.Duration {
	if c.opts.Registry == EtcdRegistry {
		return c.opts.leaseTTL()
	}
	return c.opts.ttl()
}

// Heartbeat returns the instances' heartbeat period; in etcd, the lease
// keepalive period, a third of the lease TTL.
func (c *Cluster) Heartbeat() time.Duration {
	if c.opts.Registry == EtcdRegistry {
		return c.opts.leaseTTL() / 3
	}
	return c.opts.heartbeat()
}

// Close stops every instance at once (no goodbye), then the registry, and
// waits until every child process is reaped. It may be called more than
// once.
func (c *Cluster) Close() {
	var g errgroup.Group
	for _, in := range c.ins {
		if in != nil {
			g.Go(func() error { in.close(); return nil })
		}
	}
	_ = g.Wait()
	if c.reg != nil {
		c.reg.close()
	}
	if c.etcd != nil {
		c.etcd.close(c.addrs())
	}
	c.cleanup()
}

// addrs returns the addresses of the instances started.
func (c *Cluster) addrs() []string {
	var out []string
	for _, in := range c.ins {
		if in != nil {
			out = append(out, in.Addr())
		}
	}
	return out
}

// listenAgain listens on addr, retrying briefly while the port is not free.
func listenAgain(ctx context.Context, addr string) (net.Listener, error) {
	var errs []error
	for i := range 40 {
		lis, err := net.Listen("tcp", addr)
		if err == nil {
			return lis, nil
		}
		errs = append(errs, err)
		if !pause.For(ctx, time.Duration(i+1)*5*time.Millisecond) {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// waitDial waits until addr accepts a TCP connection, or died is closed.
func waitDial(ctx context.Context, addr string, died <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", addr)
		if err == nil {
			return conn.Close()
		}
		select {
		case <-died:
			return fmt.Errorf("geerpc: cluster: the process serving %s exited", addr)
		case <-ctx.Done():
			return fmt.Errorf("geerpc: cluster: %s never accepted a connection: %w", addr, err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
