package chaos

import (
	"context"
	"fmt"
	"math"
	rtmetrics "runtime/metrics"
	"sync"
	"time"

	"github.com/geerpclab/geerpc/internal/pause"
)

// stallTick is the period of the stall watch; stallReport the lateness
// from which a tick counts as a stall.
const (
	stallTick   = 10 * time.Millisecond
	stallReport = 50 * time.Millisecond
)

// Stalls describes how late the process ran what it had to run, tick by
// 10ms tick: the lateness of a 10ms timer, or the longest a runnable
// goroutine waited to run during the tick if that is longer. A stall of the
// whole process or machine (a shared CPU) delays every call alike and is
// no fault of the ones injected.
type Stalls struct {
	Max   time.Duration `json:"max_ns"`          // the largest lateness
	At    time.Duration `json:"at_ns"`           // when it ended, from the start of the load
	Count int           `json:"count"`           // ticks at least 50ms late
	Total time.Duration `json:"total_ns"`        // their lateness summed
	Spans []Stall       `json:"spans,omitempty"` // when those ticks were, in order
}

// Stall is a span of the run made of consecutive ticks at least 50ms late.
// While it lasts the machine, not the system under test, decides when
// goroutines run.
type Stall struct {
	From time.Duration `json:"from_ns"` // the late tick's start, from the start of the load
	To   time.Duration `json:"to_ns"`   // when the last late tick fired
	Max  time.Duration `json:"max_ns"`  // the largest lateness of a tick in it
}

func (s Stall) String() string {
	return fmt.Sprintf("stall %s..%s (up to %s late)", fmtDur(s.From), fmtDur(s.To), fmtDur(s.Max))
}

// during returns the largest stall that overlaps [from, to], if any.
func (s *Stalls) during(from, to time.Duration) (Stall, bool) {
	var worst Stall
	found := false
	for _, sp := range s.Spans {
		if sp.From <= to && sp.To >= from && (!found || sp.Max > worst.Max) {
			worst, found = sp, true
		}
	}
	return worst, found
}

// stallWatch records the lateness of a ticking timer.
type stallWatch struct {
	mu sync.Mutex // protects s
	s  Stalls
}

// watch ticks until ctx ends. A tick's lateness is the larger of the
// timer's and the longest wait of a runnable goroutine during the tick.
func (w *stallWatch) watch(ctx context.Context, clk *clock) {
	var q schedWaits
	q.longest()
	for {
		start, from := time.Now(), clk.now()
		if !pause.For(ctx, stallTick) {
			return
		}
		w.tick(from, clk.now(), max(time.Since(start)-stallTick, q.longest()))
	}
}

// schedWaits reads the runtime's histogram of how long goroutines waited,
// runnable, before they ran: under a starved CPU a goroutine can wait long
// while a lone timer still fires nearly on time.
type schedWaits struct {
	s    [1]rtmetrics.Sample
	last []uint64
}

// longest returns the lower bound of the highest bucket of the histogram
// that grew since the last call (0 on the first).
func (q *schedWaits) longest() time.Duration {
	q.s[0].Name = "/sched/latencies:seconds"
	rtmetrics.Read(q.s[:])
	if q.s[0].Value.Kind() != rtmetrics.KindFloat64Histogram {
		return 0
	}
	h := q.s[0].Value.Float64Histogram()
	var worst time.Duration
	for i, n := range h.Counts {
		if i < len(q.last) && n > q.last[i] && !math.IsInf(h.Buckets[i], 0) {
			worst = max(worst, time.Duration(h.Buckets[i]*float64(time.Second)))
		}
	}
	q.last = append(q.last[:0], h.Counts...)
	return worst
}

// tick records a tick that started at from and fired at to, late by late.
func (w *stallWatch) tick(from, to, late time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if late > w.s.Max {
		w.s.Max, w.s.At = late, to
	}
	if late < stallReport {
		return
	}
	w.s.Count++
	w.s.Total += late
	if n := len(w.s.Spans); n > 0 && w.s.Spans[n-1].To >= from-stallTick {
		last := &w.s.Spans[n-1]
		last.To, last.Max = to, max(last.Max, late)
		return
	}
	w.s.Spans = append(w.s.Spans, Stall{From: from, To: to, Max: late})
}

func (w *stallWatch) stalls() Stalls {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.s
	s.Spans = append([]Stall(nil), w.s.Spans...)
	return s
}

// stallVerdict reports the stalls beside the invariants, so that a failure
// they caused reads as such.
func (r *Result) stallVerdict() Verdict {
	s := r.Stalls
	m := fmt.Sprintf("largest %s (at %s); %d of at least %v in %d spans, %s in all",
		fmtDur(s.Max), fmtDur(s.At), s.Count, stallReport, len(s.Spans), fmtDur(s.Total))
	return Verdict{Invariant: "process stalls (timer and scheduling lateness)", Scope: "run", Status: StatusInfo, Measured: m,
		Want: "reported; a timing invariant broken only during one is inconclusive"}
}
