package chaos

import (
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/internal/provenance"
)

// Result is what a run measured and judged. Its JSON form is the schema
// SchemaVersion documented in SCENARIOS.md.
type Result struct {
	Schema      string             `json:"schema"`
	Provenance  provenance.Info    `json:"provenance"`
	Scenario    *scenario.Scenario `json:"scenario"`
	Seed        uint64             `json:"seed"`
	Start       time.Time          `json:"start"`
	Interrupted bool               `json:"interrupted"`
	Resources   Resources          `json:"resources"`
	Stalls      Stalls             `json:"stalls"`
	Faults      []FaultRecord      `json:"faults"`
	// CallFaults is what the call faults did on each instance, by name
	// (in process its injector's counts, as processes its child's); only
	// for scenarios with call faults.
	CallFaults map[string]CallStats `json:"call_faults,omitempty"`
	Variants   []VariantResult      `json:"variants"`
	Verdicts   []Verdict            `json:"verdicts"`

	raw []variantData // what judge reads; not in the JSON
}

// VariantResult is what one client (a balancing mode with a fail mode) saw.
type VariantResult struct {
	Name     string           `json:"name"` // mode/fail mode, e.g. "p2c/failover"
	Mode     string           `json:"mode"`
	FailMode string           `json:"fail_mode"`
	Calls    int64            `json:"calls"`
	OK       int64            `json:"ok"`
	Success  float64          `json:"success"`
	Classes  map[Class]int64  `json:"classes"`
	Samples  map[Class]string `json:"error_samples,omitempty"` // one error text per class
	P50      time.Duration    `json:"p50_ns"`
	P99      time.Duration    `json:"p99_ns"`
	Max      time.Duration    `json:"max_ns"`
	Picks    map[string]int   `json:"picks"` // attempts sent to each instance
	Timeline []Point          `json:"timeline"`
	Windows  []WindowStats    `json:"windows"` // one per fault
	Members  []ViewChange     `json:"discovery"`
	Views    []ViewChange     `json:"balancer"`
}

// Point is one interval of a variant's timeline.
type Point struct {
	Start      time.Duration      `json:"start_ns"`
	End        time.Duration      `json:"end_ns"`
	Calls      int64              `json:"calls"`  // calls that ended in the interval
	OK         int64              `json:"ok"`     // of which ok
	Errors     int64              `json:"errors"` // of which not
	Throughput float64            `json:"throughput"`
	ErrorRate  float64            `json:"error_rate"`
	P99        time.Duration      `json:"p99_ns"`
	Shares     map[string]float64 `json:"shares"` // instance of the calls that started in the interval
}

// WindowStats is what a variant saw during one fault's window.
type WindowStats struct {
	Fault    int                `json:"fault"`
	Calls    int64              `json:"calls"`  // calls started in the window
	Errors   int64              `json:"errors"` // of which failed
	P99      time.Duration      `json:"p99_ns"`
	Shares   map[string]float64 `json:"shares"`
	Recovery time.Duration      `json:"recovery_ns"` // fault end to baseline error rate; -1 if not within the run
}

// Verdict is one invariant checked on one scope.
type Verdict struct {
	Invariant string `json:"invariant"`
	Scope     string `json:"scope"`  // "run", a variant, or a fault
	Status    string `json:"status"` // "pass", "fail", "inconclusive" or "info"
	Measured  string `json:"measured"`
	Want      string `json:"want"`
	// Stall is, for an inconclusive verdict, the largest measured stall
	// that overlapped what broke the invariant.
	Stall *Stall `json:"stall,omitempty"`
}

// The verdict statuses. A timing invariant broken only by observations
// that a measured stall overlapped is inconclusive, neither pass nor fail:
// the machine, not the system under test, may have broken it.
const (
	StatusPass         = "pass"
	StatusFail         = "fail"
	StatusInconclusive = "inconclusive"
	StatusInfo         = "info"
)

// Failed returns the verdicts that failed.
func (r *Result) Failed() []Verdict { return r.withStatus(StatusFail) }

// Inconclusive returns the verdicts that were inconclusive.
func (r *Result) Inconclusive() []Verdict { return r.withStatus(StatusInconclusive) }

func (r *Result) withStatus(status string) []Verdict {
	var out []Verdict
	for _, v := range r.Verdicts {
		if v.Status == status {
			out = append(out, v)
		}
	}
	return out
}

// variantData is the raw data of one variant.
type variantData struct {
	all     []callRecord // every call
	calls   []callRecord // the measured ones: all but those an interruption canceled
	picks   map[string][]time.Duration
	views   []ViewChange
	members []ViewChange
	dropped map[uint64]scenario.FaultType // dropped calls of this variant, by sequence number
	loadErr error
}
