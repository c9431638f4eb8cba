package chaos

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/internal/pause"
)

// FaultRecord is what happened to one fault of the timeline.
type FaultRecord struct {
	Index     int                `json:"index"`
	Type      scenario.FaultType `json:"type"`
	Instances []string           `json:"instances,omitempty"`
	Start     time.Duration      `json:"start_ns"`   // planned, from the start of the load
	End       time.Duration      `json:"end_ns"`     // planned
	AppliedAt time.Duration      `json:"applied_ns"` // when it took effect; -1 if never
	ClearedAt time.Duration      `json:"cleared_ns"` // when it was undone; -1 if never
	Err       string             `json:"error,omitempty"`
	// HealthBefore and HealthAfter say whether the instances of a lifecycle
	// fault answered a call on their own address just before the fault and
	// just after its heal: "ok", or the first one's error. Empty for other
	// faults, and HealthAfter for a heal that never ran.
	HealthBefore string `json:"health_before,omitempty"`
	HealthAfter  string `json:"health_after,omitempty"`
}

// event is the start or end of a fault.
type event struct {
	at    time.Duration
	id    int
	start bool
}

// schedule runs the fault timeline from t0 on c, filling recs. When ctx ends
// it stops and undoes every fault still active, so no fault outlives it.
func schedule(ctx context.Context, c *cluster, t0 time.Time, recs []FaultRecord, log *slog.Logger) {
	var evs []event
	for i, f := range c.s.Faults {
		evs = append(evs, event{f.Start.D(), i, true}, event{f.End.D(), i, false})
	}
	slices.SortStableFunc(evs, eventOrder)
	active := map[int]bool{}
	defer restoreAll(c, t0, recs, active, log)
	for _, ev := range evs {
		if !pause.For(ctx, time.Until(t0.Add(ev.at))) {
			return
		}
		f := c.s.Faults[ev.id]
		if ev.start {
			active[ev.id] = true
			recs[ev.id].HealthBefore = c.health(ctx, f)
			recs[ev.id].AppliedAt = time.Since(t0)
			note(&recs[ev.id], c.apply(ctx, ev.id, f))
			log.Info("chaos: fault on", "fault", ev.id, "type", f.Type, "instances", f.Instances, "at", recs[ev.id].AppliedAt)
			continue
		}
		delete(active, ev.id)
		note(&recs[ev.id], c.clear(context.WithoutCancel(ctx), ev.id, f))
		recs[ev.id].ClearedAt = time.Since(t0)
		recs[ev.id].HealthAfter = c.health(context.WithoutCancel(ctx), f)
		log.Info("chaos: fault off", "fault", ev.id, "type", f.Type, "at", recs[ev.id].ClearedAt)
	}
}

// eventOrder orders events by time, ends before starts at the same time.
func eventOrder(a, b event) int {
	if c := cmp.Compare(a.at, b.at); c != 0 {
		return c
	}
	switch {
	case a.start == b.start:
		return 0
	case a.start:
		return 1
	}
	return -1
}

// restoreAll undoes the faults still active, newest first.
func restoreAll(c *cluster, t0 time.Time, recs []FaultRecord, active map[int]bool, log *slog.Logger) {
	ids := make([]int, 0, len(active))
	for id := range active {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range slices.Backward(ids) {
		note(&recs[id], c.clear(context.Background(), id, c.s.Faults[id]))
		recs[id].ClearedAt = time.Since(t0)
		recs[id].HealthAfter = c.health(context.Background(), c.s.Faults[id])
		log.Info("chaos: fault restored early", "fault", id, "type", c.s.Faults[id].Type)
	}
}

func note(r *FaultRecord, err error) {
	if err != nil && r.Err == "" {
		r.Err = err.Error()
	}
}

// newFaultRecords returns the records of s's faults, none applied yet.
func newFaultRecords(s *scenario.Scenario) []FaultRecord {
	recs := make([]FaultRecord, len(s.Faults))
	for i, f := range s.Faults {
		recs[i] = FaultRecord{Index: i, Type: f.Type, Instances: f.Instances, Start: f.Start.D(), End: f.End.D(), AppliedAt: -1, ClearedAt: -1}
	}
	return recs
}
