package bench

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"runtime/metrics"
	"time"

	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/loadgen"
)

// PayloadSize is the Echo payload of the rpcx benchmark suite, in bytes.
const PayloadSize = 581

// runPeers measures every peer at every number of callers of the plan,
// alternating the peers within each round, each run on a fresh server and
// connection.
func (m *matrix) runPeers(ctx context.Context) ([]PeerCell, error) {
	peers := Peers()
	var cells []PeerCell
	for _, callers := range m.plan.PeerCallers {
		harness, err := m.harnessAllocs(ctx, callers)
		if err != nil {
			return cells, err
		}
		runs := make([][]peerRun, len(peers))
		for round := range m.plan.PeerRounds {
			for i, p := range peers {
				if p.MaxCallers > 0 && callers > p.MaxCallers {
					continue
				}
				r, err := m.peerOnce(ctx, p, callers)
				if err != nil {
					return cells, fmt.Errorf("geerpc: bench: %s with %d callers: %w", p.Name, callers, err)
				}
				r.allocs -= harness.allocs
				runs[i] = append(runs[i], r)
				m.prog.done(fmt.Sprintf("%-11s %-14s %-20s callers %d  round %d/%d", "peers", "echo-581B",
					p.Name, callers, round+1, m.plan.PeerRounds), r.throughput, r.p99)
			}
		}
		for i, p := range peers {
			if len(runs[i]) > 0 {
				cells = append(cells, peerCell(p.Name, callers, runs[i]))
			}
		}
	}
	return cells, nil
}

// peerCells is the number of peer cells measured at these callers: each
// peer at each number of callers up to its MaxCallers.
func peerCells(callers []int) int {
	n := 0
	for _, c := range callers {
		for _, p := range Peers() {
			if p.MaxCallers == 0 || c <= p.MaxCallers {
				n++
			}
		}
	}
	return n
}

// peerRun is what one run of a peer measured.
type peerRun struct {
	figures
	allocs  float64 // per call, client and server together
	cpu     float64 // µs of CPU per call, client, server and load generator together
	wakeups float64 // goroutine wake-ups per call, client, server and load generator together
	errors  int64
}

// peerOnce runs the 581-byte Echo through a fresh peer with callers
// closed-loop workers and counts the allocations per call.
func (m *matrix) peerOnce(ctx context.Context, p Peer, callers int) (peerRun, error) {
	c, stop, err := p.Start(ctx)
	if err != nil {
		return peerRun{}, err
	}
	defer stop()
	return m.measureEcho(ctx, c, callers)
}

// harnessAllocs measures the load generator itself, with a fake peer that
// answers at once: its allocations per call are subtracted from the peers'.
func (m *matrix) harnessAllocs(ctx context.Context, callers int) (peerRun, error) {
	fake := loadgen.InvokerFunc(func(_ context.Context, _ string, args, reply any) error {
		a, r := args.(demo.EchoArgs), reply.(*demo.EchoReply)
		r.Nonce, r.Payload = a.Nonce, a.Payload
		return nil
	})
	return m.measureEcho(ctx, fake, callers)
}

// measureEcho is one closed-loop Echo run with allocation counting.
func (m *matrix) measureEcho(ctx context.Context, c Caller, callers int) (peerRun, error) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cpu0, wake0 := cpuTime(), wakeups()
	met, err := loadgen.Run(ctx, c, loadgen.Options{
		Targets:     []loadgen.Target{loadgen.EchoTarget(PayloadSize)},
		Concurrency: callers, Duration: m.plan.PeerDuration, Warmup: m.plan.PeerWarmup,
	})
	cpu, wake := cpuTime()-cpu0, wakeups()-wake0
	runtime.ReadMemStats(&after)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return peerRun{}, err
	}
	started := max(met.Calls+met.WarmupCalls+met.Abandoned, 1)
	return peerRun{
		figures: figuresOf(met, 0),
		allocs:  float64(after.Mallocs-before.Mallocs) / float64(started),
		cpu:     float64(cpu) / float64(time.Microsecond) / float64(started),
		wakeups: wake / float64(started),
		errors:  met.Calls - met.OK,
	}, nil
}

// wakeups estimates the goroutine wake-ups of the process so far: the
// runtime samples one in 8 of a goroutine's switches from runnable to
// running into /sched/latencies:seconds (runtime2.go, gTrackingPeriod), so
// 8 times its count. A goroutine woken from a channel, a lock, the network
// poller or a Gosched counts once each time.
func wakeups() float64 {
	s := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return 0
	}
	var n uint64
	for _, c := range s[0].Value.Float64Histogram().Counts {
		n += c
	}
	return 8 * float64(n)
}

// peerCell summarises the rounds of one peer at one number of callers.
func peerCell(peer string, callers int, runs []peerRun) PeerCell {
	get := func(f func(peerRun) float64) Stat {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = math.NaN() // a failed round is no figure
			if !r.failed() {
				v[i] = f(r)
			}
		}
		return statOf(v)
	}
	c := PeerCell{
		Peer: peer, Callers: callers, Rounds: len(runs),
		Throughput:     get(func(r peerRun) float64 { return r.throughput }),
		P50:            get(func(r peerRun) float64 { return r.p50 }),
		P99:            get(func(r peerRun) float64 { return r.p99 }),
		AllocsPerCall:  get(func(r peerRun) float64 { return r.allocs }).Median,
		CPUPerCall:     get(func(r peerRun) float64 { return r.cpu }).Median,
		WakeupsPerCall: get(func(r peerRun) float64 { return r.wakeups }).Median,
	}
	for _, r := range runs {
		c.Errors += r.errors
		if r.failed() {
			c.FailedRounds++
		}
	}
	return c
}

// FindPeer returns the cell of peer at callers.
func (r *Report) FindPeer(peer string, callers int) (PeerCell, bool) {
	for _, c := range r.Peers {
		if c.Peer == peer && c.Callers == callers {
			return c, true
		}
	}
	return PeerCell{}, false
}
