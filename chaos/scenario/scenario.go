package scenario

import (
	"cmp"
	"slices"
	"time"
)

// Scenario is one chaos experiment: the instances, the clients to compare,
// the load, the fault timeline and the thresholds to check. SCENARIOS.md
// documents its JSON form; Decode reads and validates it.
type Scenario struct {
	// Name identifies the scenario and names its report files:
	// lower-case letters, digits and dashes.
	Name string `json:"name"`
	// Description says what the scenario shows, for the report.
	Description string `json:"description,omitempty"`
	// Seed makes call faults and client randomness replayable; zero means 1.
	Seed uint64 `json:"seed,omitempty"`
	// Instances are the servers, each behind its own in-process proxy.
	Instances []InstanceSpec `json:"instances"`
	// Modes are the balancing modes compared, by xclient.SelectMode name
	// ("round-robin") or geerpc load's alias ("roundrobin"); empty means all
	// five.
	Modes []string `json:"modes,omitempty"`
	// FailModes are the fail modes compared, by xclient.FailMode name;
	// empty means failfast only. Every mode runs with every fail mode.
	FailModes []string `json:"fail_modes,omitempty"`
	// Client configures every XClient.
	Client ClientSpec `json:"client"`
	// Registry configures the registry (HTTP or etcd), heartbeats and
	// discovery.
	Registry RegistrySpec `json:"registry"`
	// Load is what each client sends.
	Load LoadSpec `json:"load"`
	// Faults is the timeline of faults.
	Faults []FaultSpec `json:"faults"`
	// Thresholds are the scenario-specific invariants to check, beside the
	// ones checked on every run.
	Thresholds Thresholds `json:"thresholds"`
}

// InstanceSpec describes one server instance.
type InstanceSpec struct {
	// Name names the instance in faults, thresholds and reports.
	Name string `json:"name"`
	// ServiceTime is how long each Echo call takes on it; zero means none.
	ServiceTime Duration `json:"service_time,omitempty"`
	// Weight is its weight in the registry (weighted round robin); zero
	// means 1.
	Weight int `json:"weight,omitempty"`
}

// ClientSpec configures the XClients. Zero fields mean the xclient defaults.
type ClientSpec struct {
	// Idempotent marks every call idempotent, so failover and failtry may
	// retry calls that timed out.
	Idempotent bool `json:"idempotent,omitempty"`
	// AttemptTimeout bounds each attempt of failover and failtry, so that
	// retries fit in the call's timeout; failfast ignores it.
	AttemptTimeout Duration `json:"attempt_timeout,omitempty"`
	// MaxAttempts bounds the attempts of failover and failtry.
	MaxAttempts int `json:"max_attempts,omitempty"`
	// EjectAfter is the consecutive failures that eject an instance;
	// negative means never.
	EjectAfter int `json:"eject_after,omitempty"`
	// EjectBase is the first ejection time.
	EjectBase Duration `json:"eject_base,omitempty"`
	// RetryRatio is the share of calls that may be retried; negative means
	// no limit.
	RetryRatio float64 `json:"retry_ratio,omitempty"`
	// HedgeDelay, when positive, hedges idempotent calls after it.
	HedgeDelay Duration `json:"hedge_delay,omitempty"`
}

// RegistrySpec configures the registry and its users. Zero fields take the
// defaults below.
type RegistrySpec struct {
	// Kind is the registry: "http" (GeeRPC's HTTP registry, the default
	// when empty) or "etcd" (an etcd embedded in the harness, instances on
	// leases, clients watching).
	Kind string `json:"kind,omitempty"`
	// TTL is how long an instance stays listed after a heartbeat; zero
	// means 2s. In etcd it is the lease TTL, whole seconds.
	TTL Duration `json:"ttl,omitempty"`
	// Heartbeat is the instances' heartbeat period; zero means TTL/3. An
	// etcd lease is kept alive every third of its TTL: leave it out there.
	Heartbeat Duration `json:"heartbeat,omitempty"`
	// Refresh is the discovery refresh interval; zero means 250ms.
	Refresh Duration `json:"refresh,omitempty"`
}

// LoadSpec is the load of each client: open loop at Rate or closed loop
// with Concurrency, never both.
type LoadSpec struct {
	// Rate is the calls per second of an open loop.
	Rate float64 `json:"rate,omitempty"`
	// Concurrency is the workers of a closed loop.
	Concurrency int `json:"concurrency,omitempty"`
	// Duration is how long calls are sent; faults live within it.
	Duration Duration `json:"duration"`
	// Timeout bounds each call, retries included.
	Timeout Duration `json:"timeout"`
	// Interval is the timeline resolution; zero means 250ms.
	Interval Duration `json:"interval,omitempty"`
	// Payload is the Echo payload in bytes; zero means 64.
	Payload int `json:"payload,omitempty"`
}

// FaultSpec is one fault of the timeline. Type says which; the other fields
// are the parameters of that type only (SCENARIOS.md lists them).
type FaultSpec struct {
	// Type is the fault: a link fault (latency, bandwidth, blackhole, reset,
	// down), a call fault (delay, abort, drop_reply, drop_request) or a
	// registry fault (dead_heartbeat, zombie, kill, registry_down).
	Type FaultType `json:"type"`
	// Instances are the targets; registry_down takes none.
	Instances []string `json:"instances,omitempty"`
	// Start and End bound the fault's window, from the start of the load.
	Start Duration `json:"start"`
	End   Duration `json:"end"`
	// Latency and Jitter parameterise a latency fault (jitter is ±).
	Latency Duration `json:"latency,omitempty"`
	Jitter  Duration `json:"jitter,omitempty"`
	// RateKB is the bandwidth fault's rate in KB/s.
	RateKB int64 `json:"rate_kb,omitempty"`
	// Direction of a link fault: "downstream" (server to client, the
	// default), "upstream" or "both".
	Direction string `json:"direction,omitempty"`
	// Delay is the delay fault's added time.
	Delay Duration `json:"delay,omitempty"`
	// Fraction is the share of calls a call fault hits, in (0, 1].
	Fraction float64 `json:"fraction,omitempty"`
}

// Window returns the fault's window as durations from the start of the load.
func (f FaultSpec) Window() (start, end time.Duration) { return f.Start.D(), f.End.D() }

// Thresholds are the scenario-specific invariants. Zero values turn them off.
type Thresholds struct {
	// MaxShare bounds an instance's share of one mode's calls during the
	// windows of the faults that target it.
	MaxShare []ShareThreshold `json:"max_share,omitempty"`
	// MinSuccess bounds the success ratio of the variants of a fail mode.
	MinSuccess []SuccessThreshold `json:"min_success,omitempty"`
	// TimeoutAtDeadline checks that, with failfast, every call whose reply
	// or request was dropped fails as a timeout at its deadline.
	TimeoutAtDeadline bool `json:"timeout_at_deadline,omitempty"`
	// EvictWithin checks that instances whose heartbeats stop (dead_heartbeat,
	// zombie) leave discovery within TTL + refresh + 1s.
	EvictWithin bool `json:"evict_within,omitempty"`
	// EjectWithinFailures checks that, with failfast, outlier ejection stops
	// traffic to a blackholed instance once its eject_after-th call failed.
	EjectWithinFailures bool `json:"eject_within_failures,omitempty"`
	// NoFailuresRegistryDown checks that no call fails while the registry is
	// down (nor one refresh interval after).
	NoFailuresRegistryDown bool `json:"no_failures_registry_down,omitempty"`
	// DeadlineSlack is how late after its deadline a call may end; zero
	// means 50ms.
	DeadlineSlack Duration `json:"deadline_slack,omitempty"`
}

// ShareThreshold bounds the share of calls an instance serves in one mode.
type ShareThreshold struct {
	Mode     string  `json:"mode"`     // the balancing mode, e.g. "p2c"
	Instance string  `json:"instance"` // the instance whose share is bounded
	Max      float64 `json:"max"`      // the largest share allowed, 0..1
}

// SuccessThreshold bounds the success ratio of the variants of a fail mode.
type SuccessThreshold struct {
	FailMode string  `json:"fail_mode"` // e.g. "failover"
	Min      float64 `json:"min"`       // the least success ratio allowed, 0..1
}

// Defaults of zero scenario fields.
const (
	DefaultTTL           = 2 * time.Second
	DefaultRefresh       = 250 * time.Millisecond
	DefaultInterval      = 250 * time.Millisecond
	DefaultPayload       = 64
	DefaultDeadlineSlack = 50 * time.Millisecond
)

// The registry kinds.
const (
	RegistryHTTP = "http"
	RegistryEtcd = "etcd"
)

// Etcd reports whether the registry is etcd.
func (r RegistrySpec) Etcd() bool { return r.Kind == RegistryEtcd }

// TTLOrDefault returns the registry TTL, DefaultTTL when it is zero.
func (r RegistrySpec) TTLOrDefault() time.Duration { return cmp.Or(r.TTL.D(), DefaultTTL) }

// HeartbeatOrDefault returns the heartbeat period, TTL/3 when it is zero.
func (r RegistrySpec) HeartbeatOrDefault() time.Duration {
	return cmp.Or(r.Heartbeat.D(), r.TTLOrDefault()/3)
}

// RefreshOrDefault returns the discovery refresh interval, DefaultRefresh
// when it is zero.
func (r RegistrySpec) RefreshOrDefault() time.Duration { return cmp.Or(r.Refresh.D(), DefaultRefresh) }

// IntervalOrDefault returns the timeline interval, DefaultInterval when it
// is zero.
func (l LoadSpec) IntervalOrDefault() time.Duration { return cmp.Or(l.Interval.D(), DefaultInterval) }

// PayloadOrDefault returns the payload size, DefaultPayload when it is zero.
func (l LoadSpec) PayloadOrDefault() int {
	if l.Payload == 0 {
		return DefaultPayload
	}
	return l.Payload
}

// SlackOrDefault returns the deadline slack, DefaultDeadlineSlack when it is
// zero.
func (t Thresholds) SlackOrDefault() time.Duration {
	return cmp.Or(t.DeadlineSlack.D(), DefaultDeadlineSlack)
}

// EvictBound returns how long an instance whose heartbeats stopped may stay
// in discovery: TTL + refresh interval + 1s.
func (s *Scenario) EvictBound() time.Duration {
	return s.Registry.TTLOrDefault() + s.Registry.RefreshOrDefault() + time.Second
}

// InstanceIndex returns the index in Instances of the instance named name,
// or -1.
func (s *Scenario) InstanceIndex(name string) int {
	return slices.IndexFunc(s.Instances, func(in InstanceSpec) bool { return in.Name == name })
}

// has reports whether the scenario has a fault of one of the types.
func (s *Scenario) has(types ...FaultType) bool {
	return slices.ContainsFunc(s.Faults, func(f FaultSpec) bool { return slices.Contains(types, f.Type) })
}
