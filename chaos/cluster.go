package chaos

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/geerpclab/geerpc/geerpc/registry"
)

// cluster is a scenario's world: the registry, the embedded Toxiproxy and
// the instances.
type cluster struct {
	s     *Scenario
	links *Links
	reg   *registryServer
	ins   []*instance
	names map[string]string // client address -> instance name
}

// startCluster starts the registry and every instance, and waits until the
// registry lists them all.
func startCluster(ctx context.Context, s *Scenario, seed uint64) (*cluster, error) {
	reg, err := startRegistry(s.Registry.ttl())
	if err != nil {
		return nil, err
	}
	c := &cluster{s: s, links: NewLinks(), reg: reg, names: map[string]string{}}
	for i, spec := range s.Instances {
		in, err := startInstance(ctx, spec, c.links, reg, s.Registry, seed+uint64(i)*0x1000193)
		if err != nil {
			c.close()
			return nil, err
		}
		c.ins = append(c.ins, in)
		c.names[in.Addr()] = spec.Name
	}
	if err := c.waitListed(ctx); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// waitListed waits until the registry lists every instance.
func (c *cluster) waitListed(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for {
		items, err := registry.FetchServers(ctx, client, c.reg.URL())
		if err == nil && len(items) == len(c.ins) {
			return nil
		}
		if !wait(ctx, nil, 20*time.Millisecond) {
			return fmt.Errorf("chaos: instances not registered: %d of %d listed: %w", len(items), len(c.ins), errors.Join(err, ctx.Err()))
		}
	}
}

// instance returns the instance named name.
func (c *cluster) instance(name string) *instance {
	return c.ins[c.s.instance(name)]
}

// close stops every instance and the registry.
func (c *cluster) close() {
	for _, in := range c.ins {
		in.close()
	}
	c.reg.down()
}

// apply starts fault id.
func (c *cluster) apply(ctx context.Context, id int, f FaultSpec) error {
	if f.Type == FaultRegistryDown {
		c.reg.down()
		return nil
	}
	var errs []error
	for _, name := range f.Instances {
		errs = append(errs, c.applyOn(ctx, c.instance(name), id, f))
	}
	return errors.Join(errs...)
}

func (c *cluster) applyOn(ctx context.Context, in *instance, id int, f FaultSpec) error {
	switch f.Type.class() {
	case classLink:
		return in.proxy.Apply(linkFault(f))
	case classCall:
		return in.inj.Set(id, CallFault{Type: f.Type, Fraction: f.Fraction, Delay: f.Delay.D()})
	}
	switch f.Type {
	case FaultDeadHeartbeat:
		in.stopHeartbeat()
	case FaultZombie:
		in.stopHeartbeat()
		in.proxy.Stop()
		in.kill()
	case FaultKill:
		in.stopHeartbeat()
		err := deregister(ctx, c.reg.URL(), in.Addr())
		// drain: clients stop picking it within one refresh interval
		wait(ctx, nil, c.s.Registry.refresh()+50*time.Millisecond)
		in.shutdown(time.Second)
		in.proxy.Stop()
		return err
	}
	return nil
}

// clear ends fault id.
func (c *cluster) clear(ctx context.Context, id int, f FaultSpec) error {
	if f.Type == FaultRegistryDown {
		return c.reg.up(ctx)
	}
	var errs []error
	for _, name := range f.Instances {
		errs = append(errs, c.clearOn(ctx, c.instance(name), id, f))
	}
	return errors.Join(errs...)
}

func (c *cluster) clearOn(ctx context.Context, in *instance, id int, f FaultSpec) error {
	switch f.Type.class() {
	case classLink:
		return in.proxy.Clear(linkFault(f))
	case classCall:
		in.inj.Remove(id)
		return nil
	}
	switch f.Type {
	case FaultDeadHeartbeat:
		in.startHeartbeat(ctx)
	case FaultZombie, FaultKill:
		if err := in.restart(ctx); err != nil {
			return err
		}
		if err := in.proxy.Start(); err != nil {
			return err
		}
		in.startHeartbeat(ctx)
	}
	return nil
}

func linkFault(f FaultSpec) LinkFault {
	return LinkFault{Type: f.Type, Latency: f.Latency.D(), Jitter: f.Jitter.D(), RateKB: f.RateKB, Direction: f.Direction}
}
