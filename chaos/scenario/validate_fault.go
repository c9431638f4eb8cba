package scenario

import (
	"fmt"
	"math"
	"slices"
)

// faultParams lists the parameters each fault type takes.
var faultParams = map[FaultType][]string{
	FaultLatency:   {"latency", "jitter", "direction"},
	FaultBandwidth: {"rate_kb", "direction"},
	FaultBlackhole: {"direction"},
	FaultReset:     {"direction"},
	FaultDelay:     {"delay", "fraction"},
	FaultAbort:     {"fraction"},
	FaultDropReply: {"fraction"},
	FaultDropRequest: {
		"fraction",
	},
}

// params returns the parameters f sets, by JSON name.
func (f FaultSpec) params() []string {
	var set []string
	add := func(on bool, name string) {
		if on {
			set = append(set, name)
		}
	}
	add(f.Latency != 0, "latency")
	add(f.Jitter != 0, "jitter")
	add(f.RateKB != 0, "rate_kb")
	add(f.Direction != "", "direction")
	add(f.Delay != 0, "delay")
	add(f.Fraction != 0, "fraction")
	return set
}

func (v *validator) fault(i int) {
	f := v.s.Faults[i]
	p := fmt.Sprintf("faults[%d]", i)
	if f.Type.Class() == ClassUnknown {
		v.check(false, p+".type", "unknown fault %q (want one of %v)", f.Type, faultTypes)
		return
	}
	v.faultTargets(p, f)
	start, end := f.Window()
	v.check(start >= 0, p+".window", "starts at %v, before the run", start)
	v.check(end > start, p+".window", "ends at %v, not after its start %v", end, start)
	v.check(end <= v.s.Load.Duration.D(), p+".window", "ends at %v, after the run's %v", end, v.s.Load.Duration)
	for _, name := range f.params() {
		v.check(slices.Contains(faultParams[f.Type], name), p+"."+name, "not a parameter of a %q fault", f.Type)
	}
	v.faultParams(p, f)
}

func (v *validator) faultTargets(p string, f FaultSpec) {
	if f.Type.Class() == ClassRegistry {
		v.check(len(f.Instances) == 0, p+".instances", "a %q fault takes no instances", f.Type)
		return
	}
	v.check(len(f.Instances) > 0, p+".instances", "a %q fault needs at least one instance", f.Type)
	for j, name := range f.Instances {
		v.check(v.s.InstanceIndex(name) >= 0, fmt.Sprintf("%s.instances[%d]", p, j), "no instance %q", name)
		v.check(!slices.Contains(f.Instances[:j], name), fmt.Sprintf("%s.instances[%d]", p, j), "%q is listed twice", name)
	}
}

func (v *validator) faultParams(p string, f FaultSpec) {
	v.registryFault(p, f)
	switch f.Type {
	case FaultLatency:
		v.check(f.Latency > 0, p+".latency", "must be positive")
		v.check(f.Jitter >= 0 && f.Jitter <= f.Latency, p+".jitter", "%v is outside [0, latency]", f.Jitter)
	case FaultBandwidth:
		v.check(f.RateKB > 0, p+".rate_kb", "must be positive")
	case FaultDelay:
		v.check(f.Delay > 0 && f.Delay.D() <= maxDuration, p+".delay", "%v is outside (0, %v]", f.Delay, maxDuration)
	}
	if f.Type.Class() == ClassCall {
		v.check(!math.IsNaN(f.Fraction) && f.Fraction > 0 && f.Fraction <= 1, p+".fraction", "%v is outside (0, 1]", f.Fraction)
	}
	if f.Type.Class() == ClassLink {
		ok := slices.Contains([]string{"", "downstream", "upstream", "both"}, f.Direction)
		v.check(ok, p+".direction", "%q is not downstream, upstream or both", f.Direction)
	}
}

// registryFault rejects a fault the scenario's registry kind has not: a
// lease to lose needs etcd, a registry to take down needs the HTTP one.
func (v *validator) registryFault(p string, f FaultSpec) {
	etcd := v.s.Registry.Etcd()
	v.check(f.Type != FaultLeaseLoss || etcd, p+".type", "lease_loss needs registry.kind %q: only an etcd registration has a lease", RegistryEtcd)
	v.check(f.Type != FaultRegistryDown || !etcd, p+".type", "registry_down takes the HTTP registry down; the harness does not take etcd down")
}

// overlaps rejects two faults that cannot share an instance at the same time.
func (v *validator) overlaps() {
	fs := v.s.Faults
	for i := range fs {
		for j := range i {
			if !overlap(fs[i], fs[j]) || !exclusive(fs[i].Type, fs[j].Type) {
				continue
			}
			shared := fs[i].Type == FaultRegistryDown
			for _, name := range fs[i].Instances {
				shared = shared || slices.Contains(fs[j].Instances, name)
			}
			v.check(!shared, fmt.Sprintf("faults[%d].window", i), "overlaps faults[%d] (%s) on the same target", j, fs[j].Type)
		}
	}
}

func overlap(a, b FaultSpec) bool { return a.Start < b.End && b.Start < a.End }

func (v *validator) thresholds() {
	t, s := v.s.Thresholds, v.s
	for i, m := range t.MaxShare {
		p := fmt.Sprintf("thresholds.max_share[%d]", i)
		v.check(slices.Contains(s.ModeNames(), CanonicalMode(m.Mode)), p+".mode", "%q is not one of the scenario's modes %v", m.Mode, s.ModeNames())
		v.check(s.InstanceIndex(m.Instance) >= 0, p+".instance", "no instance %q", m.Instance)
		v.check(!math.IsNaN(m.Max) && m.Max >= 0 && m.Max <= 1, p+".max", "%v is outside 0..1", m.Max)
		v.check(s.targeted(m.Instance), p+".instance", "no fault targets %q, so there is no window to measure", m.Instance)
	}
	for i, m := range t.MinSuccess {
		p := fmt.Sprintf("thresholds.min_success[%d]", i)
		v.check(slices.Contains(s.FailModeNames(), m.FailMode), p+".fail_mode", "%q is not one of the scenario's fail modes %v", m.FailMode, s.FailModeNames())
		v.check(!math.IsNaN(m.Min) && m.Min >= 0 && m.Min <= 1, p+".min", "%v is outside 0..1", m.Min)
	}
	failfast := slices.Contains(s.FailModeNames(), "failfast")
	v.check(!t.TimeoutAtDeadline || (failfast && s.has(FaultDropReply, FaultDropRequest)), "thresholds.timeout_at_deadline", "needs a failfast variant and a drop_reply or drop_request fault")
	v.check(!t.EvictWithin || s.has(FaultDeadHeartbeat, FaultZombie, FaultLeaseLoss), "thresholds.evict_within", "needs a dead_heartbeat, zombie or lease_loss fault")
	v.check(!t.EjectWithinFailures || (failfast && s.has(FaultBlackhole)), "thresholds.eject_within_failures", "needs a failfast variant and a blackhole fault")
	v.check(!t.EjectWithinFailures || s.Client.EjectAfter >= 0, "thresholds.eject_within_failures", "ejection is off (client.eject_after < 0)")
	v.check(!t.NoFailuresRegistryDown || s.has(FaultRegistryDown), "thresholds.no_failures_registry_down", "needs a registry_down fault")
	v.check(t.DeadlineSlack >= 0, "thresholds.deadline_slack", "negative")
}

// targeted reports whether a fault targets the instance.
func (s *Scenario) targeted(name string) bool {
	return slices.ContainsFunc(s.Faults, func(f FaultSpec) bool { return slices.Contains(f.Instances, name) })
}
