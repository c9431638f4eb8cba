package loadgen

import (
	"time"

	"github.com/geerpclab/geerpc/internal/provenance"
)

// DefaultInterval is the timeline interval when none is given.
const DefaultInterval = time.Second

// MinInterval is the shortest timeline interval.
const MinInterval = 100 * time.Millisecond

// Metrics summarises a stream of Results. Build it with Add, then Close; read
// the exported fields after Close. The zero value is ready to use. A Metrics
// is not safe for concurrent use; Run keeps one per worker shard and merges
// them.
type Metrics struct {
	Schema     string          `json:"schema"` // SchemaVersion
	Provenance provenance.Info `json:"provenance"`
	RunID      string          `json:"run_id"` // an xid, unique per run
	Setup      Setup           `json:"setup"`
	Start      time.Time       `json:"start"` // wall clock at the start of the run (warm-up included)
	Stop       StopReason      `json:"stop"`

	Calls       int64 `json:"calls"`        // measured results (warm-up and abandoned calls excluded)
	OK          int64 `json:"ok"`           // results with OutcomeOK
	WarmupCalls int64 `json:"warmup_calls"` // calls due during the warm-up, not measured
	Abandoned   int64 `json:"abandoned"`    // calls cut short because the run's context ended, not measured
	Late        int64 `json:"late"`         // open loop: calls that found every worker busy at the cap and waited
	Unsent      int64 `json:"unsent"`       // open loop: calls due before the end that were never sent
	PeakWorkers int64 `json:"peak_workers"` // most workers at once (closed loop: Concurrency)

	Span       time.Duration `json:"span_ns"`    // first send to last send
	Elapsed    time.Duration `json:"elapsed_ns"` // first send to last completion
	Rate       float64       `json:"rate"`       // calls sent per second over Span
	Throughput float64       `json:"throughput"` // OK calls per second over Elapsed
	Success    float64       `json:"success"`    // OK / Calls

	Latency   Summary        `json:"latency"` // from due time to completion, all outcomes
	Lag       Summary        `json:"lag"`     // from due time to send: the generator's own delay (2 digits)
	Outcomes  []OutcomeStats `json:"outcomes"`
	Methods   []GroupStats   `json:"methods"`
	Instances []GroupStats   `json:"instances"`
	Timeline  []Interval     `json:"timeline"`

	acc    *accumulator
	manual bool // the timeline is cut by Run, not by Add
}

// OutcomeStats is the share and latency of one outcome.
type OutcomeStats struct {
	Outcome Outcome `json:"outcome"`
	Calls   int64   `json:"calls"`
	Share   float64 `json:"share"` // Calls / Metrics.Calls
	Latency Summary `json:"latency"`
}

// GroupStats describes the calls of one method or one instance.
type GroupStats struct {
	Name     string        `json:"name"` // method, or instance ("" for calls no reply named)
	Calls    int64         `json:"calls"`
	Share    float64       `json:"share"` // Calls / Metrics.Calls; the shares of a list add up to 1
	Outcomes OutcomeCounts `json:"outcomes"`
	Latency  Summary       `json:"latency"`
}

// Add records one result. After the first call for a given method and
// instance it costs well under 100ns and allocates nothing. Add uses
// Setup.Interval (zero means DefaultInterval) to cut the timeline by each
// result's Done time.
func (m *Metrics) Add(r *Result) {
	if m.acc == nil {
		m.acc = newAccumulator()
	}
	if !m.manual {
		m.acc.advance(r.Done, m.interval())
	}
	m.acc.add(r)
}

// Merge adds the results recorded by o to m, except o's timeline.
func (m *Metrics) Merge(o *Metrics) {
	if o.acc == nil {
		return
	}
	if m.acc == nil {
		m.acc = newAccumulator()
	}
	m.acc.merge(o.acc)
}

// Close computes the exported summary from the results added so far. It may
// be called again after more Adds.
func (m *Metrics) Close() {
	m.Schema = SchemaVersion
	if m.acc == nil {
		m.acc = newAccumulator()
	}
	a := m.acc
	m.Calls, m.OK = a.all.count(), a.outcomes.counts[OutcomeOK]
	m.Latency, m.Lag = a.all.summary(), a.lag.summary()
	m.Outcomes = a.outcomes.stats(m.Calls)
	m.Methods = a.methods.stats(m.Calls)
	m.Instances = a.instances.stats(m.Calls)
	m.rates()
	if !m.manual {
		m.Timeline = a.timeline(m.interval())
	}
}

// rates fills Span, Elapsed, Rate, Throughput and Success.
func (m *Metrics) rates() {
	a := m.acc
	m.Span, m.Elapsed = a.lastSent-a.firstSent, a.lastDone-a.firstSent
	m.Rate, m.Throughput, m.Success = 0, 0, 0
	if m.Calls > 1 && m.Span > 0 {
		m.Rate = float64(m.Calls-1) / m.Span.Seconds()
	}
	if m.Elapsed > 0 {
		m.Throughput = float64(m.OK) / m.Elapsed.Seconds()
	}
	if m.Calls > 0 {
		m.Success = float64(m.OK) / float64(m.Calls)
	}
}

func (m *Metrics) interval() time.Duration {
	if m.Setup.Interval > 0 {
		return m.Setup.Interval
	}
	return DefaultInterval
}

// takeWindow moves the results of m's open timeline window into w.
func (m *Metrics) takeWindow(w *window) {
	if m.acc != nil {
		w.merge(m.acc.cur)
		m.acc.cur.reset()
	}
}
