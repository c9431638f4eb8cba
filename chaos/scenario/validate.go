package scenario

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"time"

	"github.com/geerpclab/geerpc/geerpc/registry"
	"github.com/geerpclab/geerpc/geerpc/xclient"
)

// Limits of a scenario.
const (
	maxDuration   = 10 * time.Minute
	maxInstances  = 64
	maxFaults     = 256
	maxThresholds = 64
	maxPayload    = 1 << 20
	maxRate       = 100_000
	maxWorkers    = 10_000
	minTimeout    = time.Millisecond
	minRegistryIv = 10 * time.Millisecond
)

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// validator keeps the first error found.
type validator struct {
	s   *Scenario
	err *FieldError
}

func (v *validator) check(ok bool, field, format string, args ...any) {
	if !ok && v.err == nil {
		v.err = &FieldError{Scenario: v.s.Name, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
}

// Validate checks every rule SCENARIOS.md lists and returns a *FieldError
// naming the first field that breaks one, or nil.
func (s *Scenario) Validate() error {
	v := &validator{s: s}
	v.check(nameRE.MatchString(s.Name), "name", "%q is not lower-case letters, digits and dashes (1 to 63)", s.Name)
	v.bounds()
	if v.err != nil {
		return v.err // the checks below are quadratic in some lists
	}
	v.instances()
	v.modes()
	v.load()
	v.client()
	v.registry()
	for i := range s.Faults {
		v.fault(i)
	}
	v.overlaps()
	v.thresholds()
	if v.err != nil {
		return v.err
	}
	return nil
}

// bounds checks the lengths of the lists.
func (v *validator) bounds() {
	s := v.s
	v.check(len(s.Instances) <= maxInstances, "instances", "%d instances, at most %d", len(s.Instances), maxInstances)
	v.check(len(s.Modes) <= len(modes), "modes", "%d modes, at most %d", len(s.Modes), len(modes))
	v.check(len(s.FailModes) <= len(failModes), "fail_modes", "%d fail modes, at most %d", len(s.FailModes), len(failModes))
	v.check(len(s.Faults) <= maxFaults, "faults", "%d faults, at most %d", len(s.Faults), maxFaults)
	for i, f := range s.Faults {
		v.check(len(f.Instances) <= maxInstances, fmt.Sprintf("faults[%d].instances", i), "%d instances, at most %d", len(f.Instances), maxInstances)
	}
	t := s.Thresholds
	v.check(len(t.MaxShare) <= maxThresholds, "thresholds.max_share", "%d entries, at most %d", len(t.MaxShare), maxThresholds)
	v.check(len(t.MinSuccess) <= maxThresholds, "thresholds.min_success", "%d entries, at most %d", len(t.MinSuccess), maxThresholds)
}

func (v *validator) instances() {
	ins := v.s.Instances
	v.check(len(ins) > 0, "instances", "at least one instance is needed")
	seen := map[string]bool{}
	for i, in := range ins {
		f := fmt.Sprintf("instances[%d]", i)
		v.check(nameRE.MatchString(in.Name), f+".name", "%q is not lower-case letters, digits and dashes", in.Name)
		v.check(!seen[in.Name], f+".name", "%q is used twice", in.Name)
		seen[in.Name] = true
		v.check(in.ServiceTime >= 0, f+".service_time", "negative")
		v.check(in.Weight >= 0 && in.Weight <= registry.MaxWeight, f+".weight", "%d is outside 0..%d", in.Weight, registry.MaxWeight)
	}
}

func (v *validator) modes() {
	for i, m := range v.s.Modes {
		_, err := xclient.ParseSelectMode(m)
		v.check(err == nil, fmt.Sprintf("modes[%d]", i), "unknown balancing mode %q (want one of %v)", m, modes)
		twice := slices.ContainsFunc(v.s.Modes[:i], func(o string) bool { return CanonicalMode(o) == CanonicalMode(m) })
		v.check(!twice, fmt.Sprintf("modes[%d]", i), "%q is listed twice", m)
	}
	for i, m := range v.s.FailModes {
		_, err := xclient.ParseFailMode(m)
		v.check(err == nil, fmt.Sprintf("fail_modes[%d]", i), "unknown fail mode %q (want one of %v)", m, failModes)
		v.check(!slices.Contains(v.s.FailModes[:i], m), fmt.Sprintf("fail_modes[%d]", i), "%q is listed twice", m)
	}
}

func (v *validator) load() {
	l := v.s.Load
	v.check(l.Duration > 0 && l.Duration.D() <= maxDuration, "load.duration", "%v is outside (0, %v]", l.Duration, maxDuration)
	v.check(l.Timeout.D() >= minTimeout && l.Timeout.D() <= maxDuration, "load.timeout", "%v is outside [%v, %v]", l.Timeout, minTimeout, maxDuration)
	v.check((l.Rate > 0) != (l.Concurrency > 0), "load", "give either rate (open loop) or concurrency (closed loop)")
	v.check(!math.IsNaN(l.Rate) && l.Rate >= 0 && l.Rate <= maxRate, "load.rate", "%v is outside 0..%d", l.Rate, maxRate)
	v.check(l.Concurrency >= 0 && l.Concurrency <= maxWorkers, "load.concurrency", "%d is outside 0..%d", l.Concurrency, maxWorkers)
	iv := l.IntervalOrDefault()
	v.check(iv >= 100*time.Millisecond && iv <= l.Duration.D(), "load.interval", "%v is outside [100ms, duration]", iv)
	v.check(l.Payload >= 0 && l.Payload <= maxPayload, "load.payload", "%d is outside 0..%d", l.Payload, maxPayload)
}

func (v *validator) client() {
	c := v.s.Client
	v.check(c.AttemptTimeout >= 0 && c.AttemptTimeout <= v.s.Load.Timeout, "client.attempt_timeout", "%v is outside [0, load.timeout]", c.AttemptTimeout)
	v.check(c.MaxAttempts >= 0 && c.MaxAttempts <= 10, "client.max_attempts", "%d is outside 0..10", c.MaxAttempts)
	v.check(c.EjectAfter >= -1 && c.EjectAfter <= 1000, "client.eject_after", "%d is outside -1..1000", c.EjectAfter)
	v.check(c.EjectBase >= 0 && c.EjectBase.D() <= maxDuration, "client.eject_base", "%v is outside [0, %v]", c.EjectBase, maxDuration)
	v.check(!math.IsNaN(c.RetryRatio) && c.RetryRatio <= 1, "client.retry_ratio", "%v is above 1", c.RetryRatio)
	v.check(c.HedgeDelay >= 0 && c.HedgeDelay <= v.s.Load.Timeout, "client.hedge_delay", "%v is outside [0, load.timeout]", c.HedgeDelay)
}

func (v *validator) registry() {
	r := v.s.Registry
	v.check(r.TTL >= 0 && r.TTL.D() <= maxDuration, "registry.ttl", "%v is outside [0, %v]", r.TTL, maxDuration)
	v.check(r.TTLOrDefault() >= minRegistryIv, "registry.ttl", "%v is below %v", r.TTLOrDefault(), minRegistryIv)
	v.check(r.Heartbeat >= 0 && r.HeartbeatOrDefault() < r.TTLOrDefault(), "registry.heartbeat", "%v is not below the ttl %v", r.HeartbeatOrDefault(), r.TTLOrDefault())
	v.check(r.HeartbeatOrDefault() >= minRegistryIv, "registry.heartbeat", "%v is below %v", r.HeartbeatOrDefault(), minRegistryIv)
	v.check(r.Refresh >= 0 && r.RefreshOrDefault() >= minRegistryIv && r.RefreshOrDefault() <= maxDuration, "registry.refresh", "%v is outside [%v, %v]", r.RefreshOrDefault(), minRegistryIv, maxDuration)
	v.check(r.Kind == "" || r.Kind == RegistryHTTP || r.Etcd(), "registry.kind", "%q is not %q or %q", r.Kind, RegistryHTTP, RegistryEtcd)
	if r.Etcd() {
		v.check(r.TTLOrDefault()%time.Second == 0, "registry.ttl", "%v: an etcd lease TTL is whole seconds", r.TTLOrDefault())
		v.check(r.Heartbeat == 0, "registry.heartbeat", "an etcd lease is kept alive every third of its TTL; leave heartbeat out")
	}
}
