package chaos

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/geerpclab/geerpc/chaos/scenario"
	geecluster "github.com/geerpclab/geerpc/cluster"
)

// procCalls are the call faults of an instance that is a `geerpc serve
// -faults` child: a CallInjector inside the child, driven through its
// control service with the seed an in-process instance would draw with.
// A restarted child starts with no fault and no count, so the faults active
// are set on it again and what the stopped child reported is carried.
type procCalls struct {
	seed uint64

	mu      sync.Mutex // protects following
	active  map[int]geecluster.CallFault
	carried geecluster.CallReport // what stopped generations reported
}

func newProcCalls(seed uint64) *procCalls {
	return &procCalls{seed: seed, active: map[int]geecluster.CallFault{}, carried: geecluster.CallReport{Dropped: map[uint64]string{}}}
}

// set activates f under id on the child of c.
func (p *procCalls) set(ctx context.Context, c *geecluster.Instance, id int, f CallFault) error {
	cf := geecluster.CallFault{ID: id, Seed: p.seed, Type: string(f.Type), Fraction: f.Fraction, Delay: f.Delay}
	p.mu.Lock()
	p.active[id] = cf
	p.mu.Unlock()
	return c.SetCallFault(ctx, cf)
}

// remove deactivates the fault of id on the child of c.
func (p *procCalls) remove(ctx context.Context, c *geecluster.Instance, id int) error {
	p.mu.Lock()
	delete(p.active, id)
	p.mu.Unlock()
	return c.RemoveCallFault(ctx, id)
}

// keep carries the report of the running child before it is stopped.
func (p *procCalls) keep(ctx context.Context, c *geecluster.Instance) error {
	r, err := c.CallReport(ctx)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.carried = addReports(p.carried, r)
	return nil
}

// restore sets the active faults on a restarted child.
func (p *procCalls) restore(ctx context.Context, c *geecluster.Instance) error {
	p.mu.Lock()
	active := slices.Collect(maps.Values(p.active))
	p.mu.Unlock()
	var errs []error
	for _, f := range active {
		errs = append(errs, c.SetCallFault(ctx, f))
	}
	return errors.Join(errs...)
}

// report returns what every generation of the child did, counts and
// dropped keys, as CallInjector's Stats and Dropped do in process.
func (p *procCalls) report(ctx context.Context, c *geecluster.Instance) (CallStats, map[uint64]scenario.FaultType, error) {
	var err error
	cur := geecluster.CallReport{}
	if c.Running() {
		cur, err = c.CallReport(ctx)
	}
	p.mu.Lock()
	all := addReports(p.carried, cur)
	p.mu.Unlock()
	dropped := make(map[uint64]scenario.FaultType, len(all.Dropped))
	for k, t := range all.Dropped {
		dropped[k] = scenario.FaultType(t)
	}
	return all.Stats, dropped, err
}

// addReports returns the sum of two reports.
func addReports(a, b geecluster.CallReport) geecluster.CallReport {
	s := a.Stats
	s.Calls += b.Stats.Calls
	s.Executed += b.Stats.Executed
	s.Delayed += b.Stats.Delayed
	s.Aborted += b.Stats.Aborted
	s.RepliesDropped += b.Stats.RepliesDropped
	s.RequestsDropped += b.Stats.RequestsDropped
	d := maps.Clone(a.Dropped)
	if d == nil {
		d = map[uint64]string{}
	}
	maps.Copy(d, b.Dropped)
	return geecluster.CallReport{Stats: s, Dropped: d}
}

// setCall activates call fault f under id on in: on its own injector in
// process, on its child's through the control service.
func (in *instance) setCall(ctx context.Context, id int, f CallFault) error {
	if in.calls == nil {
		return in.inj.Set(id, f)
	}
	return in.calls.set(ctx, in.c, id, f)
}

// removeCall deactivates the call fault of id on in.
func (in *instance) removeCall(ctx context.Context, id int) error {
	if in.calls == nil {
		in.inj.Remove(id)
		return nil
	}
	return in.calls.remove(ctx, in.c, id)
}

// keepCalls carries what the child of in reported before it is stopped;
// nothing to do in process, where the injector outlives the server.
func (in *instance) keepCalls(ctx context.Context) error {
	if in.calls == nil {
		return nil
	}
	return in.calls.keep(ctx, in.c)
}

// restoreCalls sets the active call faults on a restarted child again.
func (in *instance) restoreCalls(ctx context.Context) error {
	if in.calls == nil {
		return nil
	}
	return in.calls.restore(ctx, in.c)
}

// callReport returns what the call faults of in did: counts and the keys
// of the calls whose reply or request they dropped.
func (in *instance) callReport(ctx context.Context) (CallStats, map[uint64]scenario.FaultType, error) {
	if in.calls == nil {
		return in.inj.Stats(), in.inj.Dropped(), nil
	}
	return in.calls.report(ctx, in.c)
}

// callReports returns the call-fault counts of every instance by name and
// the dropped keys of them all; an instance that could not say is named in
// the error and counts nothing.
func (c *cluster) callReports(ctx context.Context) (map[string]CallStats, map[uint64]scenario.FaultType, error) {
	stats := map[string]CallStats{}
	dropped := map[uint64]scenario.FaultType{}
	var errs []error
	for _, in := range c.ins {
		s, d, err := in.callReport(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("geerpc: chaos: call faults of %s: %w", in.spec.Name, err))
			continue
		}
		stats[in.spec.Name] = s
		maps.Copy(dropped, d)
	}
	return stats, dropped, errors.Join(errs...)
}

// needsControl reports whether a run of s drives instances' call faults or
// heartbeats, which processes only allow through their control service.
func needsControl(s *scenario.Scenario) bool {
	return hasCallFaults(s) || slices.ContainsFunc(s.Faults, func(f scenario.FaultSpec) bool { return f.Type == scenario.FaultDeadHeartbeat })
}

// hasCallFaults reports whether s holds a call fault.
func hasCallFaults(s *scenario.Scenario) bool {
	return slices.ContainsFunc(s.Faults, func(f scenario.FaultSpec) bool { return f.Type.Class() == scenario.ClassCall })
}
