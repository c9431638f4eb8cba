package bench

import (
	"math"
	"slices"
	"time"

	"github.com/geerpclab/geerpc/internal/provenance"
)

// SchemaVersion names the JSON form of a Report (bench.json). Fields may be
// added within a version; none is renamed or removed.
const SchemaVersion = "geerpc.bench/v1"

// Report is everything one matrix run measured; every figure of the
// rendered report comes from it.
type Report struct {
	Schema     string          `json:"schema"` // SchemaVersion
	Provenance provenance.Info `json:"provenance"`
	Plan       Plan            `json:"plan"`
	Cluster    string          `json:"cluster"`    // "in-process" or the running instances measured
	Elapsed    time.Duration   `json:"elapsed_ns"` // wall time of the whole run
	Peers      []PeerCell      `json:"peers"`      // the implementations side by side
	Cells      []Cell          `json:"cells"`      // the balancing matrix
	Targets    []Verdict       `json:"targets"`    // met or missed, with the measured values
	Best       []Best          `json:"best"`       // the best mode per workload
	Notes      []string        `json:"notes"`      // what was skipped, and why
}

// Stat is a figure over the rounds of a cell: the median and the spread.
type Stat struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// statOf summarises the values of the rounds; NaNs (rounds without the
// figure) are left out.
func statOf(v []float64) Stat {
	v = slices.DeleteFunc(slices.Clone(v), math.IsNaN)
	if len(v) == 0 {
		return Stat{}
	}
	return Stat{Median: median(v), Min: slices.Min(v), Max: slices.Max(v)}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// The experiments of the matrix.
const (
	ExpConcurrency = "concurrency" // healthy instances, closed loop, in-flight sweep
	ExpOpen        = "open"        // healthy instances, open-loop rate sweep
	ExpSlow        = "slow"        // one instance slowed, closed loop
	ExpUnequal     = "unequal"     // weighted capacities, closed loop
)

// Cell is one mode in one setting of one workload, over its rounds.
// Latencies are in milliseconds, rates in calls per second, shares and
// rates of outcomes in 0..1.
type Cell struct {
	Experiment string        `json:"experiment"`
	Workload   string        `json:"workload"` // e.g. "healthy", "slow-50ms", "unequal-1:2:4"
	Mode       string        `json:"mode"`
	InFlight   int           `json:"inflight,omitempty"` // closed loop
	Load       float64       `json:"load,omitempty"`     // open loop: offered rate / best closed-loop throughput
	Rate       float64       `json:"rate,omitempty"`     // open loop: offered calls per second
	SlowBy     time.Duration `json:"slow_by_ns"`         // extra latency of the slowed instance
	Timeout    time.Duration `json:"timeout_ns"`         // the workload's call timeout
	Rounds     int           `json:"rounds"`             // runs measured
	// FailedRounds are the rounds that made no successful call: no figure
	// of theirs enters a median; when every round failed the cell has none.
	FailedRounds int              `json:"failed_rounds,omitempty"`
	Calls        int64            `json:"calls"`              // measured calls over all rounds
	Throughput   Stat             `json:"throughput"`         // OK calls per second
	P50          Stat             `json:"p50_ms"`             // of every call, timed-out ones at their end
	P99          Stat             `json:"p99_ms"`             //
	TimeoutRate  Stat             `json:"timeout_rate"`       // share of calls that timed out
	ErrorRate    Stat             `json:"error_rate"`         // share of calls not OK, timeouts included
	Lateness     Stat             `json:"lateness_p99_ms"`    // p99 of how long after the timeout timed-out calls ended
	Late         int64            `json:"late,omitempty"`     // open loop: calls that waited for a worker
	Shares       []Share          `json:"shares"`             // calls per serving instance, all rounds
	Spectrum     []Quantile       `json:"spectrum,omitempty"` // latency by percentile, all rounds merged
	Outcomes     map[string]int64 `json:"outcomes,omitempty"` // calls by outcome, all rounds
}

// Measured reports whether at least one round of c made a successful call:
// without one the cell has no figure.
func (c Cell) Measured() bool { return c.FailedRounds == 0 || c.FailedRounds < c.Rounds }

// Measured reports whether at least one round of c made a successful call.
func (c PeerCell) Measured() bool { return c.FailedRounds == 0 || c.FailedRounds < c.Rounds }

// Share is the part of a cell's calls the balancer sent to one instance
// (for a failed call, the instance last tried).
type Share struct {
	Instance string  `json:"instance"`
	Calls    int64   `json:"calls"`
	Share    float64 `json:"share"`
}

// Quantile is one point of a latency spectrum.
type Quantile struct {
	Percentile float64 `json:"percentile"` // 0..100
	Millis     float64 `json:"ms"`
}

// PeerCell is one implementation at one number of callers over its rounds.
type PeerCell struct {
	Peer          string  `json:"peer"`
	Callers       int     `json:"callers"`
	Rounds        int     `json:"rounds"`
	FailedRounds  int     `json:"failed_rounds,omitempty"` // rounds without a successful call, left out of the medians
	Throughput    Stat    `json:"throughput"`              // calls per second
	P50           Stat    `json:"p50_ms"`                  //
	P99           Stat    `json:"p99_ms"`                  //
	AllocsPerCall float64 `json:"allocs_per_call"`         // median; client and server in one process, the load generator's own subtracted
	CPUPerCall    float64 `json:"cpu_us_per_call"`         // median µs of CPU (user and system) per call: client, server and load generator
	// WakeupsPerCall is the median of goroutine wake-ups per call, client,
	// server and load generator together (estimated from runtime/metrics).
	WakeupsPerCall float64 `json:"wakeups_per_call"`
	Errors         int64   `json:"errors"` // calls not OK, all rounds
}

// Verdict is one target of the report: met or missed, plainly.
type Verdict struct {
	Issue string `json:"issue"`         // where the target was set: "core" or "bench"
	Name  string `json:"name"`          // what is promised
	Met   bool   `json:"met"`           //
	Value string `json:"value"`         // the measured figures
	Why   string `json:"why,omitempty"` // for a missed target: what the figures say about why
}

// Best names the best mode of one workload setting: fewest timeouts, then
// the lowest p99.
type Best struct {
	Workload string   `json:"workload"` // a label such as "healthy, 100 in flight"
	Mode     string   `json:"mode"`
	Ties     []string `json:"ties,omitempty"` // modes as good within the spread: same failures, overlapping p99 min..max
	Cells    []string `json:"cells"`          // per mode of the plan, in order: "p99 · calls/s · failed"
}
