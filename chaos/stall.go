package chaos

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// stallTick is the period of the stall watch; stallReport the lateness
// from which a tick counts as a stall.
const (
	stallTick   = 10 * time.Millisecond
	stallReport = 50 * time.Millisecond
)

// Stalls describes how late a 10ms timer fired during the run: a stall of
// the whole process or machine (scheduling, a shared CPU), which delays
// every call alike and is no fault of the ones injected.
type Stalls struct {
	Max   time.Duration `json:"max_ns"`   // the largest lateness
	At    time.Duration `json:"at_ns"`    // when it ended, from the start of the load
	Count int           `json:"count"`    // ticks at least 50ms late
	Total time.Duration `json:"total_ns"` // their lateness summed
}

// stallWatch records the lateness of a ticking timer.
type stallWatch struct {
	mu sync.Mutex // protects s
	s  Stalls
}

// watch ticks until ctx ends.
func (w *stallWatch) watch(ctx context.Context, clk *clock) {
	for {
		start := time.Now()
		if !wait(ctx, nil, stallTick) {
			return
		}
		late := time.Since(start) - stallTick
		w.mu.Lock()
		if late > w.s.Max {
			w.s.Max, w.s.At = late, clk.now()
		}
		if late >= stallReport {
			w.s.Count++
			w.s.Total += late
		}
		w.mu.Unlock()
	}
}

func (w *stallWatch) stalls() Stalls {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.s
}

// stallVerdict reports the stalls beside the invariants, so that a failure
// they caused reads as such.
func (r *Result) stallVerdict() Verdict {
	s := r.Stalls
	m := fmt.Sprintf("largest %s (at %s); %d of at least %v, %s in all", fmtDur(s.Max), fmtDur(s.At), s.Count, stallReport, fmtDur(s.Total))
	return Verdict{Invariant: "process stalls (10ms timer lateness)", Scope: "run", Status: StatusInfo, Measured: m,
		Want: fmt.Sprintf("reported; a stall near %v can fail calls by itself", r.Scenario.Load.Timeout)}
}
