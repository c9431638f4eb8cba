package bench

import (
	"fmt"
	"slices"
	"time"

	"github.com/geerpclab/geerpc/geerpc/xclient"
)

// The sizes of the preset plans.
const (
	SizeQuick   = "quick"   // every plot, fewer points, one round: under a minute
	SizeDefault = "default" // the committed reference run: at most five minutes on 2 cores
	SizeFull    = "full"    // more rounds, longer runs, a finer rate sweep
)

// Plan sizes a matrix run. PlanFor returns the presets; tests make tiny ones.
type Plan struct {
	Size     string        `json:"size"`
	Rounds   int           `json:"rounds"`      // interleaved repeats of every cell; medians are reported with min..max
	Duration time.Duration `json:"duration_ns"` // measured time of one run
	Warmup   time.Duration `json:"warmup_ns"`   // sent before each run's measurement and excluded from it

	Modes        []string        `json:"modes"`            // balancing modes, by name
	Service      time.Duration   `json:"service_ns"`       // base Work.Sleep of every call
	InFlight     []int           `json:"inflight"`         // closed-loop calls in flight, healthy workload
	SlowBy       []time.Duration `json:"slow_by_ns"`       // extra latency of the slowed instance
	FixedFlight  int             `json:"fixed_flight"`     // calls in flight of the slow and unequal workloads
	OpenLoad     []float64       `json:"open_load"`        // open-loop rates as fractions of the best closed-loop throughput
	Weights      []int           `json:"weights"`          // capacities of the unequal workload
	Timeouts     Timeouts        `json:"timeouts"`         // per workload
	PeerCallers  []int           `json:"peer_callers"`     // callers of the peer comparison
	PeerRounds   int             `json:"peer_rounds"`      // its interleaved rounds
	PeerDuration time.Duration   `json:"peer_duration_ns"` // its measured time per run
	PeerWarmup   time.Duration   `json:"peer_warmup_ns"`   // its warm-up per run
}

// Timeouts are the fixed call timeouts of the workloads.
type Timeouts struct {
	Healthy time.Duration `json:"healthy_ns"`
	Slow    time.Duration `json:"slow_ns"`
	Unequal time.Duration `json:"unequal_ns"`
	Open    time.Duration `json:"open_ns"`
}

// PlanFor returns the preset plan of size ("" means SizeDefault).
func PlanFor(size string) (Plan, error) {
	p := Plan{
		Size: SizeDefault, Rounds: 3, Duration: 400 * time.Millisecond, Warmup: 150 * time.Millisecond,
		Modes: modeNames(AllModes), Service: time.Millisecond,
		InFlight:    []int{1, 10, 100, 1000, 10_000},
		SlowBy:      []time.Duration{0, 5 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond},
		FixedFlight: 100, OpenLoad: []float64{0.1, 0.25, 0.5, 1, 1.25}, Weights: []int{1, 2, 4},
		Timeouts:    Timeouts{Healthy: time.Second, Slow: 40 * time.Millisecond, Unequal: 100 * time.Millisecond, Open: time.Second},
		PeerCallers: []int{1, 10, 100, 1000, 10_000}, PeerRounds: 5,
		PeerDuration: 300 * time.Millisecond, PeerWarmup: 100 * time.Millisecond,
	}
	switch size {
	case "", SizeDefault:
	case SizeQuick:
		p.Size, p.Rounds, p.Duration, p.Warmup = SizeQuick, 1, 250*time.Millisecond, 100*time.Millisecond
		p.InFlight, p.OpenLoad = []int{1, 100, 10_000}, []float64{0.5, 1}
		p.SlowBy = []time.Duration{0, 20 * time.Millisecond, 50 * time.Millisecond}
		p.PeerCallers, p.PeerRounds, p.PeerDuration = []int{1, 100, 10_000}, 2, 200*time.Millisecond
	case SizeFull:
		p.Size, p.Rounds, p.Duration, p.Warmup = SizeFull, 5, time.Second, 300*time.Millisecond
		p.OpenLoad = []float64{0.1, 0.25, 0.5, 0.75, 0.9, 1, 1.1, 1.25, 1.5}
		p.PeerRounds, p.PeerDuration, p.PeerWarmup = 9, time.Second, 200*time.Millisecond
	default:
		return Plan{}, fmt.Errorf("geerpc: bench: unknown size %q (want %s, %s or %s)", size, SizeQuick, SizeDefault, SizeFull)
	}
	return p, nil
}

// Validate reports the first field of p that cannot describe a run.
func (p Plan) Validate() error {
	switch {
	case p.Rounds < 1 || p.PeerRounds < 1:
		return fmt.Errorf("geerpc: bench: plan: rounds must be at least 1")
	case p.Duration <= 0 || p.PeerDuration <= 0 || p.Warmup < 0 || p.PeerWarmup < 0:
		return fmt.Errorf("geerpc: bench: plan: durations must be positive")
	case len(p.Modes) == 0 || p.FixedFlight < 1 || len(p.Weights) == 0:
		return fmt.Errorf("geerpc: bench: plan: no modes, weights or fixed in-flight")
	case slices.ContainsFunc(p.InFlight, func(n int) bool { return n < 1 }),
		slices.ContainsFunc(p.PeerCallers, func(n int) bool { return n < 1 }):
		return fmt.Errorf("geerpc: bench: plan: in-flight counts and callers must be at least 1")
	case slices.ContainsFunc(p.OpenLoad, func(f float64) bool { return f <= 0 }):
		return fmt.Errorf("geerpc: bench: plan: open-loop loads must be positive")
	}
	for _, m := range p.Modes {
		if _, err := xclient.ParseSelectMode(m); err != nil {
			return fmt.Errorf("geerpc: bench: plan: %w", err)
		}
	}
	return nil
}

// modes returns the plan's modes.
func (p Plan) modes() []xclient.SelectMode {
	var ms []xclient.SelectMode
	for _, name := range p.Modes {
		if m, err := xclient.ParseSelectMode(name); err == nil {
			ms = append(ms, m)
		}
	}
	return ms
}

func modeNames(ms []xclient.SelectMode) []string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.String()
	}
	return names
}

// unequalLatency returns the extra latency of each instance of the unequal
// workload: service times inversely proportional to the weights, the
// heaviest instance taking Service alone.
func (p Plan) unequalLatency() []time.Duration {
	top := slices.Max(p.Weights)
	extra := make([]time.Duration, len(p.Weights))
	for i, w := range p.Weights {
		extra[i] = p.Service*time.Duration(top)/time.Duration(max(w, 1)) - p.Service
	}
	return extra
}
