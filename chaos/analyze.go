package chaos

import (
	"math"
	"slices"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
)

// recoveryTolerance is how far above the baseline error rate an interval
// may be and still count as recovered.
const recoveryTolerance = 0.01

// collect reads the records of every variant into r; dropped holds the
// keys of the calls whose reply or request a fault dropped.
func (r *Result) collect(s *scenario.Scenario, dropped map[uint64]scenario.FaultType, vs []*variant) {
	for _, v := range vs {
		all, samples := v.rec.records()
		views, picks := v.bal.snapshot()
		calls := slices.DeleteFunc(slices.Clone(all), func(c callRecord) bool { return c.class == ClassCanceled })
		d := variantData{all: all, calls: calls, picks: picks, views: views, members: v.memberLog(), loadErr: v.loadErr,
			dropped: map[uint64]scenario.FaultType{}}
		for k, t := range dropped {
			if k>>seqBits == uint64(v.idx) {
				d.dropped[k&(1<<seqBits-1)] = t
			}
		}
		r.raw = append(r.raw, d)
		r.Variants = append(r.Variants, summarize(s, r.Faults, v, d, samples))
	}
}

// summarize computes the figures of one variant.
func summarize(s *scenario.Scenario, faults []FaultRecord, v *variant, d variantData, samples map[Class]string) VariantResult {
	vr := VariantResult{Name: v.name, Mode: v.mode.String(), FailMode: v.fail.String(),
		Classes: map[Class]int64{}, Samples: samples, Picks: map[string]int{}, Members: d.members, Views: d.views}
	lats := make([]time.Duration, 0, len(d.calls))
	for _, c := range d.calls {
		vr.Classes[c.class]++
		lats = append(lats, c.latency)
	}
	vr.Calls, vr.OK = int64(len(d.calls)), vr.Classes[ClassOK]
	if vr.Calls > 0 {
		vr.Success = float64(vr.OK) / float64(vr.Calls)
	}
	slices.Sort(lats)
	vr.P50, vr.P99, vr.Max = quantile(lats, 0.5), quantile(lats, 0.99), quantile(lats, 1)
	for name, p := range d.picks {
		vr.Picks[name] = len(p)
	}
	vr.Timeline = timeline(s, d.calls)
	base := baseline(s, d.calls)
	for i := range faults {
		from, to := window(faults[i])
		ws := windowStats(d.calls, from, to)
		ws.Fault, ws.Recovery = i, recovery(vr.Timeline, base, to)
		vr.Windows = append(vr.Windows, ws)
	}
	return vr
}

// window returns when fault f was in effect: its actual times where known,
// else the planned ones.
func window(f FaultRecord) (from, to time.Duration) {
	from, to = f.Start, f.End
	if f.AppliedAt >= 0 {
		from = f.AppliedAt
	}
	if f.ClearedAt >= 0 {
		to = f.ClearedAt
	}
	return from, to
}

// quantile returns the q-quantile of sorted, 0 when empty.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// timeline cuts the calls into intervals: counts and p99 by end time,
// instance shares by start time.
func timeline(s *scenario.Scenario, calls []callRecord) []Point {
	iv := s.Load.IntervalOrDefault()
	last := s.Load.Duration.D()
	for _, c := range calls {
		last = max(last, c.end)
	}
	n := int((last + iv - 1) / iv)
	pts := make([]Point, n)
	lats := make([][]time.Duration, n)
	starts := make([]map[string]int, n)
	for i := range pts {
		pts[i] = Point{Start: time.Duration(i) * iv, End: time.Duration(i+1) * iv, Shares: map[string]float64{}}
		starts[i] = map[string]int{}
	}
	for _, c := range calls {
		k := min(max(int(c.end/iv), 0), n-1)
		pts[k].Calls++
		if c.class == ClassOK {
			pts[k].OK++
		}
		lats[k] = append(lats[k], c.latency)
		starts[min(max(int(c.start/iv), 0), n-1)][c.instance]++
	}
	for i := range pts {
		finishPoint(&pts[i], lats[i], starts[i], iv)
	}
	return pts
}

func finishPoint(p *Point, lats []time.Duration, starts map[string]int, iv time.Duration) {
	p.Errors = p.Calls - p.OK
	p.Throughput = float64(p.OK) / iv.Seconds()
	if p.Calls > 0 {
		p.ErrorRate = float64(p.Errors) / float64(p.Calls)
	}
	slices.Sort(lats)
	p.P99 = quantile(lats, 0.99)
	total := 0
	for _, n := range starts {
		total += n
	}
	for name, n := range starts {
		p.Shares[name] = float64(n) / float64(total)
	}
}

// baseline is the error rate of the calls started before the first fault.
func baseline(s *scenario.Scenario, calls []callRecord) float64 {
	first := s.Load.Duration.D()
	for _, f := range s.Faults {
		first = min(first, f.Start.D())
	}
	var n, bad int
	for _, c := range calls {
		if c.start < first {
			n++
			if c.class != ClassOK {
				bad++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(bad) / float64(n)
}

// windowStats describes the calls started in [from, to).
func windowStats(calls []callRecord, from, to time.Duration) WindowStats {
	ws := WindowStats{Shares: map[string]float64{}}
	var lats []time.Duration
	for _, c := range calls {
		if c.start < from || c.start >= to {
			continue
		}
		ws.Calls++
		if c.class != ClassOK {
			ws.Errors++
		}
		lats = append(lats, c.latency)
		ws.Shares[c.instance]++
	}
	for k := range ws.Shares {
		ws.Shares[k] /= float64(ws.Calls)
	}
	slices.Sort(lats)
	ws.P99 = quantile(lats, 0.99)
	return ws
}

// recovery returns the time from end until the error rate is back within
// recoveryTolerance of base for two intervals in a row (or the last one),
// to the resolution of an interval; -1 if that never happens.
func recovery(pts []Point, base float64, end time.Duration) time.Duration {
	clean := func(p Point) bool { return p.Calls > 0 && p.ErrorRate <= base+recoveryTolerance }
	for k, p := range pts {
		if p.End <= end {
			continue
		}
		if clean(p) && (k+1 == len(pts) || clean(pts[k+1])) {
			return max(0, p.Start-end)
		}
	}
	return -1
}
