package chaos

import (
	"context"
	"fmt"
	"slices"

	"github.com/geerpclab/geerpc/chaos/scenario"
)

// Cluster is the world of a scenario (an HTTP registry, an embedded
// Toxiproxy and instances behind it) started on its own, so that a caller
// other than Run (the soak) can drive load through it for as long as it
// likes and apply faults when it chooses. It is safe for concurrent use as
// long as one fault id is not applied and cleared at once.
type Cluster struct {
	c *cluster
}

// StartCluster starts a registry on 127.0.0.1 and the instances of specs,
// each behind its own proxy and heartbeating to the registry as reg
// configures, and waits until the registry lists them all. Instance names
// must be non-empty and unique; seed drives the call-fault draws.
func StartCluster(ctx context.Context, specs []scenario.InstanceSpec, reg scenario.RegistrySpec, seed uint64) (*Cluster, error) {
	if len(specs) == 0 {
		return nil, fmt.Errorf("%w: a cluster needs an instance", scenario.ErrInvalidScenario)
	}
	for i, in := range specs {
		if in.Name == "" || slices.IndexFunc(specs[:i], func(o scenario.InstanceSpec) bool { return o.Name == in.Name }) >= 0 {
			return nil, fmt.Errorf("%w: instances[%d]: empty or repeated name %q", scenario.ErrInvalidScenario, i, in.Name)
		}
	}
	s := &scenario.Scenario{Name: "cluster", Instances: slices.Clone(specs), Registry: reg}
	c, err := startCluster(ctx, s, seed, ClusterOptions{})
	if err != nil {
		return nil, err
	}
	return &Cluster{c: c}, nil
}

// RegistryURL returns the registry's URL, for discoveries.
func (cl *Cluster) RegistryURL() string { return cl.c.regURL }

// Registry returns the registry settings the cluster runs with, defaults
// filled in.
func (cl *Cluster) Registry() scenario.RegistrySpec {
	r := cl.c.s.Registry
	r.TTL, r.Heartbeat, r.Refresh = scenario.Duration(r.TTLOrDefault()), scenario.Duration(r.HeartbeatOrDefault()), scenario.Duration(r.RefreshOrDefault())
	return r
}

// Instances returns the address clients dial (the proxy's, as tcp@host:port)
// of every instance, by instance name.
func (cl *Cluster) Instances() map[string]string {
	m := make(map[string]string, len(cl.c.ins))
	for _, in := range cl.c.ins {
		m[in.spec.Name] = in.Addr()
	}
	return m
}

// CallStats returns the call-fault counts of every instance, by name.
func (cl *Cluster) CallStats() map[string]CallStats {
	m := make(map[string]CallStats, len(cl.c.ins))
	for _, in := range cl.c.ins {
		m[in.spec.Name] = in.inj.Stats()
	}
	return m
}

// Apply starts fault f under id, as a scenario's timeline would. The fault's
// instances must be the cluster's; its window is ignored (the caller times
// it). Registry faults that stop an instance (kill, zombie) return once it
// stopped.
func (cl *Cluster) Apply(ctx context.Context, id int, f scenario.FaultSpec) error {
	if err := cl.check(f); err != nil {
		return err
	}
	return cl.c.apply(ctx, id, f)
}

// Clear ends fault f of id: link and call faults are removed, stopped
// instances restart and heartbeat again, a downed registry comes back.
// Once no call fault is left on an instance, its injector forgets the
// per-call draws and dropped keys it kept, so that a cluster that runs for
// long (a soak) keeps its own memory bounded.
func (cl *Cluster) Clear(ctx context.Context, id int, f scenario.FaultSpec) error {
	if err := cl.check(f); err != nil {
		return err
	}
	err := cl.c.clear(ctx, id, f)
	if f.Type.Class() == scenario.ClassCall {
		for _, name := range f.Instances {
			cl.c.instance(name).inj.forget()
		}
	}
	return err
}

// forget drops the draws and dropped keys when no fault is active. The maps
// are replaced, not cleared: a Go map never gives back its buckets.
func (c *CallInjector) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.faults) == 0 {
		c.seen, c.dropped = map[uint64]uint32{}, map[uint64]scenario.FaultType{}
	}
}

func (cl *Cluster) check(f scenario.FaultSpec) error {
	if f.Type.Class() == scenario.ClassUnknown {
		return fmt.Errorf("%w: unknown fault %q", scenario.ErrInvalidScenario, f.Type)
	}
	for _, name := range f.Instances {
		if cl.c.s.InstanceIndex(name) < 0 {
			return fmt.Errorf("%w: no instance %q", scenario.ErrInvalidScenario, name)
		}
	}
	return nil
}

// Close stops every instance, the proxies and the registry.
func (cl *Cluster) Close() {
	cl.c.close()
}

// Classify says how a call ended, as the invariants do: nonceOK tells
// whether a nil error came with the reply of this very call.
func Classify(err error, nonceOK bool) Class { return classify(err, nonceOK) }
