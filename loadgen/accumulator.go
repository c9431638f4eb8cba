package loadgen

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxGroups bounds the methods or instances tracked one by one; the rest
// are pooled under OtherGroup.
const maxGroups = 64

// OtherGroup names the group that pools methods or instances beyond the
// first 64 seen.
const OtherGroup = "(other)"

// OutcomeCounts counts calls by Outcome; index it with an Outcome. It
// encodes to JSON as an object with every outcome's name as a key.
type OutcomeCounts [numOutcomes]int64

// Total returns the sum of the counts.
func (c *OutcomeCounts) Total() int64 {
	var n int64
	for _, v := range c {
		n += v
	}
	return n
}

// MarshalJSON encodes the counts as {"ok":n,"timeout":n,...} in report order.
func (c OutcomeCounts) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, n := range c {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(outcomeNames[i]) + ":" + strconv.FormatInt(n, 10))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// group accumulates the calls of one method or instance.
type group struct {
	name     string
	outcomes OutcomeCounts
	lat      *dist
}

func (g *group) add(o Outcome, lat time.Duration) {
	g.outcomes[o]++
	g.lat.record(lat)
}

// groups finds a group by name: by a linear scan while there are few (the
// usual case, cheaper than hashing), then in a map.
type groups struct {
	list   []*group
	byName map[string]*group
}

// scanMax is how many groups get scans before it falls back on the map.
const scanMax = 8

func (gs *groups) get(name string) *group {
	if len(gs.list) <= scanMax {
		for _, g := range gs.list {
			if g.name == name {
				return g
			}
		}
	}
	if g := gs.byName[name]; g != nil {
		return g
	}
	return gs.create(name)
}

func (gs *groups) create(name string) *group {
	if gs.byName == nil {
		gs.byName = make(map[string]*group)
	}
	if len(gs.byName) >= maxGroups {
		name = OtherGroup
		if g := gs.byName[name]; g != nil {
			return g
		}
	}
	g := &group{name: name, lat: newDist(histDigits)}
	gs.byName[name] = g
	gs.list = append(gs.list, g)
	return g
}

func (gs *groups) merge(o *groups) {
	for name, og := range o.byName {
		g := gs.get(name)
		for i, n := range og.outcomes {
			g.outcomes[i] += n
		}
		g.lat.merge(og.lat)
	}
}

// stats lists the groups sorted by name.
func (gs *groups) stats(total int64) []GroupStats {
	out := make([]GroupStats, 0, len(gs.byName))
	for _, g := range gs.byName {
		out = append(out, GroupStats{
			Name: g.name, Calls: g.lat.count(), Share: ratio(g.lat.count(), total),
			Outcomes: g.outcomes, Latency: g.lat.summary(),
		})
	}
	slices.SortFunc(out, func(a, b GroupStats) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// outcomeSet counts outcomes and keeps a latency distribution for each one
// seen.
type outcomeSet struct {
	counts OutcomeCounts
	dists  [numOutcomes]*dist
}

func (s *outcomeSet) add(o Outcome, lat time.Duration) {
	s.counts[o]++
	if s.dists[o] == nil {
		s.dists[o] = newDist(histDigits)
	}
	s.dists[o].record(lat)
}

func (s *outcomeSet) merge(o *outcomeSet) {
	for i, d := range o.dists {
		s.counts[i] += o.counts[i]
		if d == nil {
			continue
		}
		if s.dists[i] == nil {
			s.dists[i] = newDist(histDigits)
		}
		s.dists[i].merge(d)
	}
}

// stats lists every outcome in report order, seen or not.
func (s *outcomeSet) stats(total int64) []OutcomeStats {
	out := make([]OutcomeStats, numOutcomes)
	for i := range out {
		out[i] = OutcomeStats{
			Outcome: Outcome(i), Calls: s.counts[i], Share: ratio(s.counts[i], total),
			Latency: s.dists[i].summary(),
		}
	}
	return out
}

// accumulator holds everything Metrics.Add records.
type accumulator struct {
	all, lag                      *dist
	outcomes                      outcomeSet
	methods, instances            groups
	firstSent, lastSent, lastDone time.Duration

	cur       *window // the open timeline interval
	curIdx    int64   // its index, when Add cuts the timeline
	started   bool
	intervals []Interval
}

func newAccumulator() *accumulator {
	return &accumulator{all: newDist(histDigits), lag: newDist(histCoarseDigits), cur: newWindow()}
}

// add records one result.
func (a *accumulator) add(r *Result) {
	o, lat := r.Outcome, r.Latency()
	if o >= numOutcomes {
		o = OutcomeOther
	}
	a.span(r)
	a.all.record(lat)
	a.lag.record(r.Sent - r.Due)
	a.outcomes.add(o, lat)
	a.methods.get(r.Method).add(o, lat)
	a.instances.get(r.Instance).add(o, lat)
	a.cur.add(o, lat)
}

// span tracks the first send, the last send and the last completion.
func (a *accumulator) span(r *Result) {
	if a.all.count() == 0 {
		a.firstSent, a.lastSent, a.lastDone = r.Sent, r.Sent, r.Done
		return
	}
	a.firstSent = min(a.firstSent, r.Sent)
	a.lastSent = max(a.lastSent, r.Sent)
	a.lastDone = max(a.lastDone, r.Done)
}

func (a *accumulator) merge(o *accumulator) {
	if o.all.count() > 0 && (a.all.count() == 0 || o.firstSent < a.firstSent) {
		a.firstSent = o.firstSent
	}
	if o.all.count() > 0 {
		a.lastSent, a.lastDone = max(a.lastSent, o.lastSent), max(a.lastDone, o.lastDone)
	}
	a.all.merge(o.all)
	a.lag.merge(o.lag)
	a.outcomes.merge(&o.outcomes)
	a.methods.merge(&o.methods)
	a.instances.merge(&o.instances)
}

// advance closes the timeline intervals that end at or before done.
func (a *accumulator) advance(done, interval time.Duration) {
	idx := int64(done / interval)
	if !a.started {
		a.curIdx, a.started = idx, true
	}
	for ; a.curIdx < idx; a.curIdx++ {
		start := time.Duration(a.curIdx) * interval
		a.intervals = append(a.intervals, a.cur.interval(start, start+interval))
		a.cur.reset()
	}
}

// timeline returns the closed intervals and the open one.
func (a *accumulator) timeline(interval time.Duration) []Interval {
	out := slices.Clone(a.intervals)
	if a.started {
		start := time.Duration(a.curIdx) * interval
		out = append(out, a.cur.interval(start, start+interval))
	}
	return out
}

// ratio returns n/total, or 0 when total is 0.
func ratio(n, total int64) float64 {
	if total == 0 {
		return 0
	}
	return float64(n) / float64(total)
}
