package loadgen

import (
	"errors"
	"fmt"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// ErrBadSnapshot is wrapped by Metrics.MergeSnapshot when a Snapshot cannot
// be decoded or its histograms do not have this package's geometry.
var ErrBadSnapshot = errors.New("geerpc: loadgen: bad snapshot")

// Snapshot is what a Metrics recorded, in a form that travels between
// processes and merges exactly: every histogram in HdrHistogram's own
// compressed encoding (V2), with the same lowest value, highest value and
// significant figures in every process, beside the exact counts, sums,
// minima and maxima the histograms cannot keep. Load agents send one per
// measurement window; a coordinator merges them with MergeSnapshot.
type Snapshot struct {
	All, Lag  DistSnapshot
	Outcomes  []DistSnapshot // indexed by Outcome; empty where none was recorded
	Methods   []GroupSnapshot
	Instances []GroupSnapshot
	Window    WindowSnapshot // the open timeline interval

	FirstSent, LastSent, LastDone time.Duration // offsets from the start of the sender's run
}

// DistSnapshot is one latency distribution.
type DistSnapshot struct {
	Hist          []byte // compressed HdrHistogram; empty for no values or when SameAsAll
	Sum, Min, Max int64  // nanoseconds, exact
	// SameAsAll says that the distribution holds every call of the
	// Snapshot's All (one method, one outcome), so Hist is not repeated.
	SameAsAll bool
}

// GroupSnapshot is the distribution and outcome counts of one method or
// instance.
type GroupSnapshot struct {
	Name     string
	Outcomes OutcomeCounts
	Latency  DistSnapshot
}

// WindowSnapshot is the open timeline interval.
type WindowSnapshot struct {
	Hist     []byte // compressed HdrHistogram, 2 significant digits
	Outcomes OutcomeCounts
	Max      int64
}

// NewPartial returns an empty Metrics whose timeline is cut by Cut, never
// by Add: the form in which a load agent records its share of a run, and
// into which a coordinator merges the agents' Snapshots.
func NewPartial() *Metrics { return &Metrics{manual: true} }

// Snapshot encodes everything m recorded, its open interval included.
func (m *Metrics) Snapshot() (*Snapshot, error) {
	a := m.acc
	if a == nil {
		a = newAccumulator()
	}
	s := &Snapshot{FirstSent: a.firstSent, LastSent: a.lastSent, LastDone: a.lastDone}
	e := encoder{all: a.all}
	s.All, s.Lag = e.encode(a.all), e.encode(a.lag)
	s.Outcomes = make([]DistSnapshot, numOutcomes)
	for i, d := range a.outcomes.dists {
		s.Outcomes[i] = e.dist(d)
	}
	s.Methods, s.Instances = e.groups(&a.methods), e.groups(&a.instances)
	s.Window = WindowSnapshot{Hist: e.hist(a.cur.h), Outcomes: a.cur.outcomes, Max: a.cur.max}
	return s, e.err
}

// encoder encodes histograms, keeping the first error.
type encoder struct {
	all *dist // the Snapshot's All, which a part may repeat
	err error
}

func (e *encoder) hist(h *hdr.Histogram) []byte {
	if h == nil || h.TotalCount() == 0 || e.err != nil {
		return nil
	}
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	e.err = err
	return b
}

// encode encodes d whole.
func (e *encoder) encode(d *dist) DistSnapshot {
	return DistSnapshot{Hist: e.hist(d.h), Sum: d.sum, Min: d.min, Max: d.max}
}

// dist encodes a part of All, or says that it is all of it: a part with as
// many calls as the whole is the whole.
func (e *encoder) dist(d *dist) DistSnapshot {
	switch {
	case d == nil:
		return DistSnapshot{}
	case d.count() > 0 && d.count() == e.all.count():
		return DistSnapshot{Sum: d.sum, Min: d.min, Max: d.max, SameAsAll: true}
	}
	return e.encode(d)
}

func (e *encoder) groups(gs *groups) []GroupSnapshot {
	out := make([]GroupSnapshot, 0, len(gs.list))
	for _, g := range gs.list {
		out = append(out, GroupSnapshot{Name: g.name, Outcomes: g.outcomes, Latency: e.dist(g.lat)})
	}
	return out
}

// MergeSnapshot adds what s recorded to m, its open interval to m's open
// interval, exactly: histograms merge by HdrHistogram's Merge, counts by
// addition. It refuses a histogram of another geometry. m's timeline is
// then cut by Cut, not by Add.
func (m *Metrics) MergeSnapshot(s *Snapshot) error {
	o, err := s.decode()
	if err != nil {
		return err
	}
	m.manual = true
	if m.acc == nil {
		m.acc = newAccumulator()
	}
	m.acc.merge(o)
	m.acc.cur.merge(o.cur)
	return nil
}

// MoveWindow moves m's open interval into to's open interval: a
// coordinator gathers its agents' windows before it cuts the merged one.
func (m *Metrics) MoveWindow(to *Metrics) {
	if to.acc == nil {
		to.acc = newAccumulator()
	}
	to.manual = true
	m.takeWindow(to.acc.cur)
}

// Cut closes m's open interval as [start, end), appends it to m.Timeline
// and returns it. It is for a Metrics built by MergeSnapshot, whose
// intervals open and close on the coordinator's marks.
func (m *Metrics) Cut(start, end time.Duration) Interval {
	if m.acc == nil {
		m.acc = newAccumulator()
	}
	iv := m.acc.cur.interval(start, end)
	m.acc.cur.reset()
	m.Timeline = append(m.Timeline, iv)
	return iv
}

// decode rebuilds the accumulator s describes.
func (s *Snapshot) decode() (*accumulator, error) {
	a := newAccumulator()
	a.firstSent, a.lastSent, a.lastDone = s.FirstSent, s.LastSent, s.LastDone
	var d decoder
	d.all = d.hist(s.All.Hist, histDigits)
	all := s.All
	all.SameAsAll = true // decoded above
	d.into(a.all, all, histDigits)
	d.into(a.lag, s.Lag, histCoarseDigits)
	if len(s.Outcomes) > int(numOutcomes) {
		return nil, fmt.Errorf("%w: %d outcomes", ErrBadSnapshot, len(s.Outcomes))
	}
	for i, ds := range s.Outcomes {
		if len(ds.Hist) > 0 || ds.SameAsAll {
			a.outcomes.dists[i] = newDist(histDigits)
			d.into(a.outcomes.dists[i], ds, histDigits)
			a.outcomes.counts[i] = a.outcomes.dists[i].count()
		}
	}
	d.groups(&a.methods, s.Methods)
	d.groups(&a.instances, s.Instances)
	d.window(a.cur, s.Window)
	return a, d.err
}

// decoder decodes histograms, keeping the first error.
type decoder struct {
	all *hdr.Histogram // the Snapshot's All, decoded
	err error
}

// hist decodes b and checks its geometry.
func (d *decoder) hist(b []byte, digits int) *hdr.Histogram {
	if d.err != nil || len(b) == 0 {
		return nil
	}
	h, err := hdr.Decode(b)
	switch {
	case err != nil:
		d.err = fmt.Errorf("%w: %v", ErrBadSnapshot, err)
		return nil
	case h.LowestTrackableValue() != histLowest || h.HighestTrackableValue() != histHighest ||
		h.SignificantFigures() != int64(digits):
		d.err = fmt.Errorf("%w: histogram of %d..%d with %d digits, want %d..%d with %d", ErrBadSnapshot,
			h.LowestTrackableValue(), h.HighestTrackableValue(), h.SignificantFigures(), histLowest, histHighest, digits)
		return nil
	}
	return h
}

// into merges ds into dst.
func (d *decoder) into(dst *dist, ds DistSnapshot, digits int) {
	h := d.all
	if !ds.SameAsAll || digits != histDigits {
		h = d.hist(ds.Hist, digits)
	}
	if h == nil {
		return
	}
	d.merge(dst.h, h)
	if dst.count() == h.TotalCount() || ds.Min < dst.min {
		dst.min = ds.Min
	}
	dst.max = max(dst.max, ds.Max)
	dst.sum += ds.Sum
}

// merge merges from into h, refusing values it would drop.
func (d *decoder) merge(h, from *hdr.Histogram) {
	if dropped := h.Merge(from); dropped > 0 && d.err == nil {
		d.err = fmt.Errorf("%w: %d values out of range", ErrBadSnapshot, dropped)
	}
}

func (d *decoder) groups(gs *groups, in []GroupSnapshot) {
	for _, g := range in {
		dst := gs.get(g.Name)
		for i, n := range g.Outcomes {
			dst.outcomes[i] += n
		}
		d.into(dst.lat, g.Latency, histDigits)
	}
}

func (d *decoder) window(w *window, ws WindowSnapshot) {
	if h := d.hist(ws.Hist, histCoarseDigits); h != nil {
		d.merge(w.h, h)
	}
	for i, n := range ws.Outcomes {
		w.outcomes[i] += n
	}
	w.max = max(w.max, ws.Max)
}

// Describe validates o as Run would and returns the Setup its report would
// carry, without running anything.
func (o Options) Describe() (Setup, error) {
	n, err := o.normalize()
	if err != nil {
		return Setup{}, err
	}
	return n.setup(), nil
}
