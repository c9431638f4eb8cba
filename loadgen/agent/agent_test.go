package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/loadgen"
)

// TestShareAddsUp: the agents' slices of a pacer are the whole schedule,
// call for call, and closed-loop workers and counts split exactly.
func TestShareAddsUp(t *testing.T) {
	whole := loadgen.LinearPacer{From: 100, To: 900, Over: time.Second}
	o := loadgen.Options{Targets: []loadgen.Target{loadgen.EchoTarget(8)}, Pacer: whole, Count: 1000}
	const n = 3
	seen := map[time.Duration]int{}
	var count uint64
	for i := range n {
		s, err := Share{Index: i, Of: n}.Apply(o)
		if err != nil {
			t.Fatal(err)
		}
		count += s.Count
		for k := uint64(0); k < 100; k++ {
			due, _ := s.Pacer.Due(k)
			seen[due]++
		}
	}
	for k := uint64(0); k < 300; k++ {
		if due, _ := whole.Due(k); seen[due] != 1 {
			t.Fatalf("call %d of the whole schedule sent %d times", k, seen[due])
		}
	}
	if count != 1000 {
		t.Fatalf("counts add up to %d, want 1000", count)
	}
	closed := loadgen.Options{Targets: o.Targets, Concurrency: 10}
	sum := 0
	for i := range n {
		s, _ := Share{Index: i, Of: n}.Apply(closed)
		sum += s.Concurrency
	}
	if sum != 10 {
		t.Fatalf("workers add up to %d, want 10", sum)
	}
	if _, err := (Share{Index: 3, Of: 4}).Apply(loadgen.Options{Targets: o.Targets, Concurrency: 3}); !errors.Is(err, ErrBadPlan) {
		t.Fatalf("3 workers over 4 agents: %v, want ErrBadPlan", err)
	}
}

// TestThreeAgentsMergeExactly: three agents in an open loop over two
// servers. The merged count is the sum of the agents' and what the servers
// served; the merged percentiles are those of every raw latency within the
// histogram's precision; the calls are the pacer's whole schedule.
func TestThreeAgentsMergeExactly(t *testing.T) {
	a, sa := startServer(t, "s1")
	b, sb := startServer(t, "s2")
	const rate, d = 600, 3 * time.Second
	o := loadgen.Options{
		Targets: []loadgen.Target{loadgen.EchoTarget(64)}, Pacer: loadgen.ConstantPacer{PerSecond: rate},
		Duration: d, Timeout: 10 * time.Second, Interval: 500 * time.Millisecond,
	}
	raw := &rawLatencies{}
	_, eps := startAgents(t, 3, builder([]string{a, b}, o, raw))
	r := coordinate(t, context.Background(), Config{Agents: eps}, o)
	if r.Partial {
		t.Fatalf("partial report: %+v", r.Agents)
	}
	var sum int64
	for _, as := range r.Agents {
		sum += as.Calls
	}
	served := echoCalls(sa) + echoCalls(sb) - 3 // each agent's warm-up call
	scheduled := int64(rate * d.Seconds())
	// A call that timed out may never have reached a server; one that
	// succeeded did.
	if r.Calls != sum || served < r.OK || served > r.Calls || (r.OK == r.Calls && served != r.Calls) ||
		r.Calls+r.Unsent != scheduled || r.Abandoned != 0 {
		t.Fatalf("merged %d, agents %d, served %d, unsent %d, abandoned %d, scheduled %d",
			r.Calls, sum, served, r.Unsent, r.Abandoned, scheduled)
	}
	// A rate over three agents: every call of the schedule was sent, so the
	// calls are the asked rate times the duration, however busy the machine.
	if float64(r.Calls) < 0.98*float64(scheduled) {
		t.Fatalf("%d calls, want within 2%% of %d", r.Calls, scheduled)
	}
	for _, p := range []struct {
		pct    float64
		merged time.Duration
	}{{50, r.Latency.P50}, {99, r.Latency.P99}, {99.9, r.Latency.P999}} {
		want := raw.percentile(p.pct)
		if diff := p.merged - want; diff < -want/500 || diff > want/500 {
			t.Errorf("p%g merged %v, raw %v: beyond the histogram's precision", p.pct, p.merged, want)
		}
	}
	var timeline int64
	for _, iv := range r.Timeline {
		timeline += iv.Calls
	}
	if timeline != r.Calls || len(r.Timeline) < 4 {
		t.Fatalf("timeline holds %d calls in %d intervals, want %d", timeline, len(r.Timeline), r.Calls)
	}
	var text strings.Builder
	if err := WriteText(&text, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"open loop, constant 600/s", "agent", "clock offset", "complete"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
}

// TestClosedLoopShares: a closed loop with a call count over two agents
// sends exactly the count, split between them.
func TestClosedLoopShares(t *testing.T) {
	a, sa := startServer(t, "s1")
	o := loadgen.Options{Targets: []loadgen.Target{loadgen.EchoTarget(8)}, Concurrency: 5, Count: 2001, Timeout: 2 * time.Second}
	_, eps := startAgents(t, 2, builder([]string{a}, o, nil))
	r := coordinate(t, context.Background(), Config{Agents: eps}, o)
	if r.Calls != 2001 || r.Agents[0].Calls != 1001 || r.Agents[1].Calls != 1000 || echoCalls(sa) != 2003 {
		t.Fatalf("calls %d, agents %+v, served %d", r.Calls, r.Agents, echoCalls(sa))
	}
	if r.Stop != loadgen.StopCount || r.PeakWorkers != 5 {
		t.Fatalf("stop %v, workers %d", r.Stop, r.PeakWorkers)
	}
}

// TestAgentDiesMidRun: an agent killed mid-run is named in a partial
// report with what it had sent; the others finish.
func TestAgentDiesMidRun(t *testing.T) {
	start := time.Now()
	a, sa := startServer(t, "s1")
	o := loadgen.Options{
		Targets: []loadgen.Target{loadgen.EchoTarget(8)}, Pacer: loadgen.ConstantPacer{PerSecond: 300},
		Duration: 3 * time.Second, Timeout: time.Second, Interval: 500 * time.Millisecond,
	}
	tas, eps := startAgents(t, 3, builder([]string{a}, o, nil))
	var cuts atomic.Int64
	killed := make(chan struct{})
	go func() { // kill b once half the calls were served and two windows merged
		defer close(killed)
		for (echoCalls(sa) < 450+3 || cuts.Load() < 2) && time.Since(start) < time.Minute {
			time.Sleep(10 * time.Millisecond)
		}
		tas[1].kill()
	}()
	r := coordinate(t, context.Background(), Config{Agents: eps, OnInterval: func(loadgen.Interval) { cuts.Add(1) }}, o)
	<-killed
	if !r.Partial || r.Agents[1].Failed == "" || r.Agents[1].Calls == 0 {
		t.Fatalf("partial %v, agents %+v", r.Partial, r.Agents)
	}
	for _, i := range []int{0, 2} {
		if r.Agents[i].Failed != "" || r.Agents[i].Calls != 300 {
			t.Fatalf("agent %d: %+v, want complete with 300 calls", i, r.Agents[i])
		}
	}
	var text strings.Builder
	_ = WriteText(&text, r)
	if !strings.Contains(text.String(), "PARTIAL: b did not complete") {
		t.Fatalf("text report does not name b:\n%s", text.String())
	}
}

// TestCoordinatorCanceled: ending the coordinator's context stops every
// agent within a second, and the report covers what they sent.
func TestCoordinatorCanceled(t *testing.T) {
	a, sa := startServer(t, "s1")
	o := loadgen.Options{
		Targets: []loadgen.Target{loadgen.EchoTarget(8)}, Pacer: loadgen.ConstantPacer{PerSecond: 300},
		Timeout: time.Second, Interval: 200 * time.Millisecond, // no duration: until canceled
	}
	tas, eps := startAgents(t, 2, builder([]string{a}, o, nil))
	ctx, cancel := context.WithCancel(context.Background())
	var cuts int
	cfg := Config{Agents: eps, OnInterval: func(loadgen.Interval) {
		if cuts++; cuts == 3 {
			cancel()
		}
	}}
	r := coordinate(t, ctx, cfg, o)
	if r.Stop != loadgen.StopCanceled || r.Partial || r.Calls == 0 {
		t.Fatalf("stop %v partial %v calls %d agents %+v", r.Stop, r.Partial, r.Calls, r.Agents)
	}
	for _, ta := range tas {
		if ta.a.busy() {
			t.Fatalf("agent %s still holds the run", ta.a.Name())
		}
	}
	assertQuiet(t, sa)
}

// assertQuiet checks that srv serves no more Echo calls.
func assertQuiet(t *testing.T, srv *geerpc.Server) {
	t.Helper()
	before := echoCalls(srv)
	time.Sleep(300 * time.Millisecond)
	if after := echoCalls(srv); after != before {
		t.Fatalf("servers still called: %d then %d", before, after)
	}
}

// startAlone sets up and starts a run of one agent as a coordinator would,
// holding an Attach open when attach is set, and returns the client.
func startAlone(t *testing.T, ta *testAgent, o loadgen.Options, attach bool, watchdog time.Duration) (*geerpc.Client, *geerpc.Call) {
	t.Helper()
	cl, err := geerpc.XDial(ta.ep.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Close() })
	ctx := context.Background()
	plan := Plan{Interval: o.Interval, Watchdog: watchdog}
	if err := cl.Call(ctx, "Agent.Setup", SetupArgs{RunID: "r1", Plan: plan, Share: Share{0, 1}}, new(SetupReply)); err != nil {
		t.Fatal(err)
	}
	var call *geerpc.Call
	if attach {
		call = cl.Go("Agent.Attach", "r1", new(int), nil)
	}
	if err := cl.Call(ctx, "Agent.Start", "r1", new(int)); err != nil {
		t.Fatal(err)
	}
	return cl, call
}

// TestCoordinatorGone: an agent whose coordinator's connection closes
// mid-run stops loading within 2s and is free for the next run.
func TestCoordinatorGone(t *testing.T) {
	a, sa := startServer(t, "s1")
	o := loadgen.Options{
		Targets: []loadgen.Target{loadgen.EchoTarget(8)}, Pacer: loadgen.ConstantPacer{PerSecond: 300},
		Timeout: time.Second, Interval: 200 * time.Millisecond,
	}
	ta := startAgent(t, "a", builder([]string{a}, o, nil))
	cl, attach := startAlone(t, ta, o, true, 0)
	waitFor(t, "load", 10*time.Second, func() bool { return echoCalls(sa) > 50 })
	_ = cl.Close() // the coordinator is gone
	<-attach.Done
	waitFor(t, "agent idle", 2*time.Second, func() bool { return !ta.a.busy() })
	assertQuiet(t, sa)
}

// TestWatchdog: an agent whose coordinator keeps the connection but stops
// marking ends the run on its own.
func TestWatchdog(t *testing.T) {
	a, sa := startServer(t, "s1")
	o := loadgen.Options{
		Targets: []loadgen.Target{loadgen.EchoTarget(8)}, Pacer: loadgen.ConstantPacer{PerSecond: 200},
		Timeout: time.Second, Interval: 100 * time.Millisecond,
	}
	ta := startAgent(t, "a", builder([]string{a}, o, nil))
	startAlone(t, ta, o, false, time.Second)
	waitFor(t, "agent gives up", 20*time.Second, func() bool { return !ta.a.busy() })
	assertQuiet(t, sa)
}

// TestSetupRefused: an agent whose Builder refuses the plan fails the run
// before anything is sent, naming the agent; a busy agent refuses a second
// run.
func TestSetupRefused(t *testing.T) {
	refuse := func(context.Context, Plan) (*Job, error) {
		return nil, fmt.Errorf("server tcp@10.1.2.3:7001 is not on loopback")
	}
	ta := startAgent(t, "far", refuse)
	o := loadgen.Options{Targets: []loadgen.Target{loadgen.EchoTarget(8)}, Count: 10}
	setup, _ := o.Describe()
	_, err := Coordinate(context.Background(), Config{Agents: []Endpoint{ta.ep}, Setup: setup})
	var se *SetupError
	if !errors.As(err, &se) || se.Agent != "far" || !strings.Contains(err.Error(), "not on loopback") {
		t.Fatalf("Coordinate = %v, want a SetupError of far", err)
	}
}

// TestLeaseLost: an agent whose etcd lease is lost ends its share; the
// report names it and is partial, and the agent registers again.
func TestLeaseLost(t *testing.T) {
	start := time.Now()
	cli := startEtcd(t)
	a, sa := startServer(t, "s1")
	o := loadgen.Options{
		Targets: []loadgen.Target{loadgen.EchoTarget(8)}, Pacer: loadgen.ConstantPacer{PerSecond: 200},
		Duration: 4 * time.Second, Timeout: time.Second, Interval: 200 * time.Millisecond,
	}
	tas, eps := startAgents(t, 2, builder([]string{a}, o, nil))
	var regs []*Registration
	for _, ta := range tas {
		reg, err := Register(context.Background(), cli, ta.ep, 0, ta.a.LeaseLost)
		if err != nil {
			t.Fatal(err)
		}
		regs = append(regs, reg)
	}
	found, err := Find(context.Background(), cli, 2, 5*time.Second)
	if err != nil || len(found) != 2 || found[0] != eps[0] {
		t.Fatalf("Find = %v, %v", found, err)
	}
	revoked := make(chan struct{})
	go func() { // revoke a's lease once a quarter of the calls were served
		defer close(revoked)
		for echoCalls(sa) < 200+2 && time.Since(start) < time.Minute {
			time.Sleep(10 * time.Millisecond)
		}
		_, _ = cli.Revoke(context.Background(), regs[0].Lease())
	}()
	r := coordinate(t, context.Background(), Config{Agents: found}, o)
	<-revoked
	if !r.Partial || !strings.Contains(r.Agents[0].Failed, "lease") || r.Agents[1].Failed != "" {
		t.Fatalf("partial %v, agents %+v", r.Partial, r.Agents)
	}
	waitFor(t, "registered again", 10*time.Second, func() bool {
		eps, _ := List(context.Background(), cli)
		return len(eps) == 2
	})
	for _, reg := range regs {
		if err := reg.Deregister(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if eps, _ := List(context.Background(), cli); len(eps) != 0 {
		t.Fatalf("after deregistering: %v", eps)
	}
}

// TestFindTooFew: Find says how many agents it found.
func TestFindTooFew(t *testing.T) {
	cli := startEtcd(t)
	reg, err := Register(context.Background(), cli, Endpoint{Name: "only", Addr: "tcp@127.0.0.1:1"}, 0, func() {})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Deregister(context.Background())
	if _, err := Register(context.Background(), cli, Endpoint{Name: "only", Addr: "tcp@127.0.0.1:2"}, 0, func() {}); !errors.Is(err, ErrNameTaken) {
		t.Fatal("a second agent called only was registered")
	}
	_, err = Find(context.Background(), cli, 3, 300*time.Millisecond)
	if !errors.Is(err, ErrTooFewAgents) || !strings.Contains(err.Error(), "found 1 of 3") {
		t.Fatalf("Find = %v", err)
	}
}

// TestWarmupExcluded: calls due in the warm-up are counted apart, never
// measured, and the timeline starts when the warm-up ends, as in a single
// process.
func TestWarmupExcluded(t *testing.T) {
	a, _ := startServer(t, "s1")
	o := loadgen.Options{
		Targets: []loadgen.Target{loadgen.EchoTarget(8)}, Pacer: loadgen.ConstantPacer{PerSecond: 300},
		Warmup: 500 * time.Millisecond, Duration: time.Second, Timeout: 2 * time.Second, Interval: 200 * time.Millisecond,
	}
	_, eps := startAgents(t, 2, builder([]string{a}, o, nil))
	r := coordinate(t, context.Background(), Config{Agents: eps}, o)
	if r.Partial || r.Calls != 300 || r.WarmupCalls != 150 || len(r.Timeline) == 0 || r.Timeline[0].Start != o.Warmup {
		t.Fatalf("partial %v, calls %d, warm-up %d, timeline %+v", r.Partial, r.Calls, r.WarmupCalls, r.Timeline)
	}
}
