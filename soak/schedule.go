package soak

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/geerpclab/geerpc/chaos"
	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/internal/pause"
)

// instanceNames are the soak's three instances.
var instanceNames = []string{"a", "b", "c"}

// faultParams are the parameters each cyclable fault type runs with.
var faultParams = map[scenario.FaultType]scenario.FaultSpec{
	scenario.FaultLatency:       {Latency: scenario.Duration(50 * time.Millisecond), Jitter: scenario.Duration(10 * time.Millisecond)},
	scenario.FaultDelay:         {Delay: scenario.Duration(50 * time.Millisecond), Fraction: 0.5},
	scenario.FaultAbort:         {Fraction: 0.2},
	scenario.FaultDropReply:     {Fraction: 0.3},
	scenario.FaultDropRequest:   {Fraction: 0.3},
	scenario.FaultDeadHeartbeat: {},
	scenario.FaultKill:          {},
	scenario.FaultZombie:        {},
	scenario.FaultBlackhole:     {},
	scenario.FaultReset:         {},
	scenario.FaultDown:          {},
}

// minRecovery is the least time between the end of the last fault and the
// end of the load: ejections (at most ejectMax) end and the client redials.
const minRecovery = 3 * time.Second

// plan returns the fault cycle over a soak of length d: fault k of type
// types[k%len] on instance k%3, in the window that starts after k+1 gaps and
// k windows. The last fault ends at least recovery before d, so the soak
// ends recovered.
func plan(types []scenario.FaultType, d, window, gap, recovery time.Duration) []scenario.FaultSpec {
	var faults []scenario.FaultSpec
	if len(types) == 0 {
		return nil
	}
	for k := 0; ; k++ {
		start := gap + time.Duration(k)*(window+gap)
		if start+window+recovery > d {
			return faults
		}
		f := faultParams[types[k%len(types)]]
		f.Type = types[k%len(types)]
		f.Instances = []string{instanceNames[k%len(instanceNames)]}
		f.Start, f.End = scenario.Duration(start), scenario.Duration(start+window)
		faults = append(faults, f)
	}
}

// faulter is what the player applies faults to: a *chaos.Cluster or a fake.
type faulter interface {
	Apply(ctx context.Context, id int, f scenario.FaultSpec) error
	Clear(ctx context.Context, id int, f scenario.FaultSpec) error
}

// player plays a fault plan against a cluster, from t0 on.
type player struct {
	cl     faulter
	phase  string // in the progress lines
	faults []scenario.FaultSpec
	t0     time.Time
	log    *progress

	mu      sync.Mutex // protects following
	records []chaos.FaultRecord
}

// clearTimeout bounds undoing a fault, which runs even when ctx ended.
const clearTimeout = 15 * time.Second

// play applies and clears each fault in its window, in turn, until the plan
// or ctx ends; a fault on when ctx ends is cleared before play returns.
func (p *player) play(ctx context.Context) {
	for i, f := range p.faults {
		rec := chaos.FaultRecord{Index: i, Type: f.Type, Instances: f.Instances, Start: f.Start.D(), End: f.End.D(), AppliedAt: -1, ClearedAt: -1}
		if !pause.Until(ctx, p.t0.Add(f.Start.D())) {
			return
		}
		err := p.cl.Apply(ctx, i, f)
		rec.AppliedAt = time.Since(p.t0)
		p.log.printf("soak: %s fault %d %s on %v at %s%s", p.phase, i, f.Type, f.Instances, rec.AppliedAt.Round(time.Millisecond), errSuffix(err))
		pause.Until(ctx, p.t0.Add(f.End.D()))
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), clearTimeout)
		cerr := p.cl.Clear(cctx, i, f)
		cancel()
		rec.ClearedAt = time.Since(p.t0)
		p.log.printf("soak: %s fault %d %s off at %s%s", p.phase, i, f.Type, rec.ClearedAt.Round(time.Millisecond), errSuffix(cerr))
		if err != nil || cerr != nil {
			rec.Err = fmt.Sprint(joinNonNil(err, cerr))
		}
		p.mu.Lock()
		p.records = append(p.records, rec)
		p.mu.Unlock()
	}
}

// played returns the records of the faults played so far.
func (p *player) played() []chaos.FaultRecord {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]chaos.FaultRecord(nil), p.records...)
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error()
}

func joinNonNil(a, b error) error {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return fmt.Errorf("%w; %w", a, b)
}
