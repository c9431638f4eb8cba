package loadgen

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Interval is one point of the timeline: what completed between Start and
// End, offsets from the start of the run.
type Interval struct {
	Start      time.Duration `json:"start_ns"`
	End        time.Duration `json:"end_ns"`
	Calls      int64         `json:"calls"`      // results recorded in the interval
	OK         int64         `json:"ok"`         // of which OutcomeOK
	Errors     int64         `json:"errors"`     // of which not OK (timeouts included)
	Timeouts   int64         `json:"timeouts"`   // of which OutcomeTimeout
	Throughput float64       `json:"throughput"` // OK per second of the interval
	P50        time.Duration `json:"p50_ns"`     // 2 significant digits
	P99        time.Duration `json:"p99_ns"`     // 2 significant digits
	Max        time.Duration `json:"max_ns"`     // exact
	// Partial marks an interval shorter than half the others (the run's
	// last, cut when it stopped): its rate is over a sliver of time, no
	// figure to plot beside the full ones.
	Partial bool `json:"partial,omitempty"`
}

// MarkPartial sets Partial on the intervals of tl shorter than half the
// longest one.
func MarkPartial(tl []Interval) {
	var longest time.Duration
	for _, iv := range tl {
		longest = max(longest, iv.End-iv.Start)
	}
	for i := range tl {
		tl[i].Partial = tl[i].End-tl[i].Start < longest/2
	}
}

// window accumulates the results of the current interval.
type window struct {
	h        *hdr.Histogram
	outcomes [numOutcomes]int64
	max      int64
}

func newWindow() *window {
	return &window{h: hdr.New(histLowest, histHighest, histCoarseDigits)}
}

// add records one result. It does not allocate.
func (w *window) add(o Outcome, lat time.Duration) {
	n := max(int64(lat), 0)
	w.outcomes[o]++
	w.max = max(w.max, n)
	_ = w.h.RecordValue(min(n, histHighest))
}

// merge adds o's results to w.
func (w *window) merge(o *window) {
	for i, n := range o.outcomes {
		w.outcomes[i] += n
	}
	w.max = max(w.max, o.max)
	if o.h.TotalCount() > 0 {
		w.h.Merge(o.h)
	}
}

// reset empties w for the next interval.
func (w *window) reset() {
	if w.h.TotalCount() > 0 {
		w.h.Reset()
	}
	w.outcomes = [numOutcomes]int64{}
	w.max = 0
}

// interval summarises w as the interval [start, end).
func (w *window) interval(start, end time.Duration) Interval {
	iv := Interval{Start: start, End: end, Calls: w.h.TotalCount(), OK: w.outcomes[OutcomeOK]}
	iv.Errors = iv.Calls - iv.OK
	iv.Timeouts = w.outcomes[OutcomeTimeout]
	if end > start {
		iv.Throughput = float64(iv.OK) / (end - start).Seconds()
	}
	if iv.Calls > 0 {
		iv.P50 = time.Duration(min(w.h.ValueAtQuantile(50), w.max))
		iv.P99 = time.Duration(min(w.h.ValueAtQuantile(99), w.max))
		iv.Max = time.Duration(w.max)
	}
	return iv
}
