package agent

import (
	"context"
	"fmt"
	"time"

	"github.com/geerpclab/geerpc/loadgen"
)

// Plan is the whole run, the same for every agent.
type Plan struct {
	// Args is the load command line the agents' Builder reads (for the
	// geerpc command, the flags of geerpc load).
	Args []string
	// Interval is the measurement window: the coordinator marks every
	// Interval after Warmup. Zero means loadgen.DefaultInterval.
	Interval time.Duration
	// Warmup is sent before the first window and excluded from every figure.
	Warmup time.Duration
	// Watchdog is how long an agent's run outlives a coordinator that keeps
	// its connection but stops marking (a hung one; a closed connection
	// ends the run at once). Zero means 5 intervals plus 30s.
	Watchdog time.Duration
}

// Share is one agent's deterministic slice of a run: agent Index of Of.
type Share struct {
	Index, Of int
}

// Job is what a Builder makes of a Plan on one agent: the calls to make,
// through what, and to which servers.
type Job struct {
	Invoker loadgen.Invoker
	Options loadgen.Options // the whole run's options; the agent applies its Share
	Close   func()          // releases the Invoker; nil when there is nothing to release
}

// Builder turns a Plan into a Job: it discovers the servers, refuses those
// the agent may not load, and dials them. Setup calls it, before the
// barrier.
type Builder func(ctx context.Context, p Plan) (*Job, error)

// SlicePacer is the share of a Pacer that agent Index of Of sends: calls
// Index, Index+Of, Index+2·Of, ... of the whole schedule. The slices of all
// agents together are the whole schedule, call for call, and interleave.
type SlicePacer struct {
	Pacer     loadgen.Pacer
	Index, Of int
}

// Due returns when the agent's call n, the whole run's call n·Of+Index, is
// due.
func (p SlicePacer) Due(n uint64) (time.Duration, bool) {
	return p.Pacer.Due(n*uint64(p.Of) + uint64(p.Index))
}

// Rate returns the agent's share of the whole rate.
func (p SlicePacer) Rate(t time.Duration) float64 { return p.Pacer.Rate(t) / float64(p.Of) }

// String describes the slice, as in "constant 3000/s, calls 1 mod 3".
func (p SlicePacer) String() string {
	return fmt.Sprintf("%v, calls %d mod %d", p.Pacer, p.Index, p.Of)
}

// part returns share i of n split as evenly as whole numbers allow; the
// parts of all i add up to n exactly.
func part(total, i, n int) int {
	q, r := total/n, total%n
	if i < r {
		return q + 1
	}
	return q
}

// Apply returns o cut down to the share: the pacer sliced in an open loop,
// the workers split in a closed loop, Count and MaxWorkers split. It fails
// when the share would leave this agent nothing to do.
func (s Share) Apply(o loadgen.Options) (loadgen.Options, error) {
	if s.Of < 1 || s.Index < 0 || s.Index >= s.Of {
		return o, fmt.Errorf("%w: share %d of %d", ErrBadPlan, s.Index, s.Of)
	}
	if o.Count > 0 {
		n := part(int(o.Count), s.Index, s.Of)
		if n == 0 {
			return o, fmt.Errorf("%w: %d calls cannot be split over %d agents", ErrBadPlan, o.Count, s.Of)
		}
		o.Count = uint64(n)
	}
	if o.Pacer != nil {
		o.Pacer = SlicePacer{Pacer: o.Pacer, Index: s.Index, Of: s.Of}
		if o.MaxWorkers > 0 {
			o.MaxWorkers = max(part(o.MaxWorkers, s.Index, s.Of), 1)
		}
		return o, nil
	}
	o.Concurrency = part(max(o.Concurrency, 1), s.Index, s.Of)
	if o.Concurrency == 0 {
		return o, fmt.Errorf("%w: fewer workers than %d agents", ErrBadPlan, s.Of)
	}
	return o, nil
}
