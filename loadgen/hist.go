package loadgen

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry. Latencies are recorded in nanoseconds with 3
// significant digits (2 for timeline intervals and lag) from 100ns to 2
// minutes; longer latencies are recorded as 2 minutes, while Max stays exact.
const (
	histLowest       = 100
	histHighest      = int64(2 * time.Minute)
	histDigits       = 3
	histCoarseDigits = 2
)

// dist is a latency distribution: an HdrHistogram plus the exact sum, min
// and max it cannot keep.
type dist struct {
	h        *hdr.Histogram
	sum      int64
	min, max int64
}

func newDist(digits int) *dist {
	return &dist{h: hdr.New(histLowest, histHighest, digits)}
}

// record adds one latency. It does not allocate.
func (d *dist) record(v time.Duration) {
	n := max(int64(v), 0)
	if d.h.TotalCount() == 0 || n < d.min {
		d.min = n
	}
	d.max = max(d.max, n)
	d.sum += n
	_ = d.h.RecordValue(min(n, histHighest)) // in range by construction
}

// count returns the number of latencies recorded.
func (d *dist) count() int64 { return d.h.TotalCount() }

// merge adds o's latencies to d.
func (d *dist) merge(o *dist) {
	if o == nil || o.count() == 0 {
		return
	}
	if d.count() == 0 || o.min < d.min {
		d.min = o.min
	}
	d.max = max(d.max, o.max)
	d.sum += o.sum
	d.h.Merge(o.h)
}

// Summary describes a latency distribution. Percentiles come from an
// HdrHistogram with 3 significant digits; Mean, Min and Max are exact.
type Summary struct {
	Count int64         `json:"count"`
	Mean  time.Duration `json:"mean_ns"`
	Min   time.Duration `json:"min_ns"`
	P50   time.Duration `json:"p50_ns"`
	P90   time.Duration `json:"p90_ns"`
	P99   time.Duration `json:"p99_ns"`
	P999  time.Duration `json:"p999_ns"`
	Max   time.Duration `json:"max_ns"`
}

// summary computes the Summary of d; a nil or empty d yields zeros.
func (d *dist) summary() Summary {
	if d == nil || d.count() == 0 {
		return Summary{}
	}
	q := d.h.ValueAtPercentilesSlice([]float64{50, 90, 99, 99.9})
	at := func(i int) time.Duration { return time.Duration(min(q[i], d.max)) }
	return Summary{
		Count: d.count(),
		Mean:  time.Duration(d.sum / d.count()),
		Min:   time.Duration(d.min),
		P50:   at(0), P90: at(1), P99: at(2), P999: at(3),
		Max: time.Duration(d.max),
	}
}
