package loadgen

import (
	"cmp"
	"fmt"
	"math"
	"time"

	"github.com/geerpclab/geerpc/internal/provenance"
)

// DefaultMaxWorkers is the open-loop worker cap when none is given.
const DefaultMaxWorkers = 10000

// Options configure a run. The zero value of each field works and its comment
// says what zero means; Targets is the only required field.
type Options struct {
	// Targets are the calls to make; call seq uses Targets[seq%len(Targets)].
	Targets []Target

	// Pacer, when set, makes the run open loop: calls are sent when the
	// pacer says they are due, whatever the server's speed. Nil means a
	// closed loop.
	Pacer Pacer
	// MaxWorkers caps the open-loop workers, which grow whenever a call is
	// due and all are busy; zero means DefaultMaxWorkers.
	MaxWorkers int

	// Concurrency is the number of closed-loop workers; zero means 1.
	Concurrency int
	// InFlight is the number of calls each closed-loop worker keeps in
	// flight; zero means 1.
	InFlight int

	// Duration is how long calls are sent after the warm-up; zero means
	// until Count calls or the context ends.
	Duration time.Duration
	// Count stops the run after this many measured calls; zero means no
	// limit.
	Count uint64
	// Warmup is sent before the measurement and excluded from it; zero means
	// none.
	Warmup time.Duration
	// Timeout bounds each call; zero means calls end only when the Invoker
	// returns or the run's context ends.
	Timeout time.Duration
	// Interval is the timeline's resolution, at least MinInterval; zero
	// means DefaultInterval.
	Interval time.Duration

	// Classify maps a call's error to its Outcome; nil means Classify.
	Classify func(error) Outcome
	// Observe, when set, receives every Result (warm-up and abandoned calls
	// included) as it completes, from many goroutines at once: the raw
	// stream the Metrics are built from.
	Observe func(Result)
	// OnInterval, when set, receives each timeline interval as it closes,
	// one call at a time, for live progress.
	OnInterval func(Interval)
	// Provenance is recorded in the Metrics as given; nil means it is
	// collected as the run starts (running git), which a harness that
	// starts several runs at once on one clock does once, before it.
	Provenance *provenance.Info
}

// Setup records the options of a run in its report.
type Setup struct {
	Mode        string        `json:"mode"`    // "closed" or "open"
	Targets     []string      `json:"targets"` // the methods called, in order
	Pacer       string        `json:"pacer"`   // open loop: the pacer, as in "constant 1000/s"
	MaxWorkers  int           `json:"max_workers"`
	Concurrency int           `json:"concurrency"`
	InFlight    int           `json:"inflight"`
	Duration    time.Duration `json:"duration_ns"`
	Count       uint64        `json:"count"`
	Warmup      time.Duration `json:"warmup_ns"`
	Timeout     time.Duration `json:"timeout_ns"`
	Interval    time.Duration `json:"interval_ns"`
}

// normalize validates o and fills its defaults.
func (o Options) normalize() (Options, error) {
	switch {
	case len(o.Targets) == 0:
		return o, fmt.Errorf("%w: no Targets", ErrInvalidOptions)
	case o.Concurrency < 0 || o.InFlight < 0 || o.MaxWorkers < 0:
		return o, fmt.Errorf("%w: negative Concurrency, InFlight or MaxWorkers", ErrInvalidOptions)
	case o.Duration < 0 || o.Warmup < 0 || o.Timeout < 0:
		return o, fmt.Errorf("%w: negative Duration, Warmup or Timeout", ErrInvalidOptions)
	case o.Interval != 0 && o.Interval < MinInterval:
		return o, fmt.Errorf("%w: Interval %v below %v", ErrInvalidOptions, o.Interval, MinInterval)
	}
	for i, t := range o.Targets {
		if t.Method == "" || t.New == nil {
			return o, fmt.Errorf("%w: Targets[%d] lacks Method or New", ErrInvalidOptions, i)
		}
	}
	o.Concurrency, o.InFlight = max(o.Concurrency, 1), max(o.InFlight, 1)
	o.MaxWorkers = cmp.Or(o.MaxWorkers, DefaultMaxWorkers)
	o.Interval = cmp.Or(o.Interval, DefaultInterval)
	if o.Classify == nil {
		o.Classify = Classify
	}
	return o, nil
}

// end returns the offset at which sending stops.
func (o Options) end() time.Duration {
	if o.Duration == 0 {
		return math.MaxInt64
	}
	return o.Warmup + o.Duration
}

// setup describes o for the report.
func (o Options) setup() Setup {
	s := Setup{
		Mode: "closed", Concurrency: o.Concurrency, InFlight: o.InFlight,
		Duration: o.Duration, Count: o.Count, Warmup: o.Warmup, Timeout: o.Timeout, Interval: o.Interval,
	}
	for _, t := range o.Targets {
		s.Targets = append(s.Targets, t.Method)
	}
	if o.Pacer != nil {
		s.Mode, s.Pacer, s.MaxWorkers = "open", fmt.Sprint(o.Pacer), o.MaxWorkers
		s.Concurrency, s.InFlight = 0, 0
	}
	return s
}
