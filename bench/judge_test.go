package bench

import (
	"strings"
	"testing"
	"time"
)

func TestJudgeNamesEveryTargetPlainly(t *testing.T) {
	r := fixtureReport()
	got := map[string]Verdict{}
	for _, v := range r.Targets {
		got[v.Name] = v
		if v.Met == (v.Why != "") {
			t.Errorf("%s: met %v with why %q", v.Name, v.Met, v.Why)
		}
	}
	tests := []struct {
		name string
		met  bool
	}{
		{"100 callers: throughput >= 2x net/rpc's", true},
		{"100 callers: throughput >= 3x grpc-go's", true},
		{"100 callers: with a deadline per call, throughput >= 2.5x net/rpc's", false},
		{"100 callers: a deadline per call keeps >= 0.9x the throughput, <= +1 allocation", false},
		{"100 callers: p99 no worse than net/rpc's", true},
		{"100 callers: p99 no worse than grpc-go's", true},
		{"100 callers: with a deadline per call, p99 no worse than net/rpc's", true},
		{"1 caller with a deadline: latency <= 1.5x the caller-reads TCP floor's (stretch 1.25x)", true},
		{"10,000 in flight: >= 80% of 100 callers' throughput", true},
		{"10,000 in flight: with a deadline per call, >= 80% of 100 callers' throughput", true},
		{"allocations per call <= half of net/rpc's", false},
		{"one instance slowed by 50ms: P2C's p99 <= 1/3 of round robin's", false},
	}
	for _, tt := range tests {
		v, ok := got[tt.name]
		if !ok || v.Met != tt.met || v.Value == "" {
			t.Errorf("%s: %+v (present %v), want met %v", tt.name, v, ok, tt.met)
		}
	}
	if len(r.Missed()) != 4 {
		t.Errorf("missed %q", r.Missed())
	}
	var sb strings.Builder
	if err := WriteText(&sb, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"MISSED", "met", "best mode per workload", "tcp-ceiling", "tcp-floor", "share this machine's cores"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, sb.String())
		}
	}
}

func TestBestModePrefersFewerFailuresThenLowerP99(t *testing.T) {
	cells := []Cell{
		{Experiment: ExpSlow, Workload: "slow-50ms", Mode: "random", SlowBy: 50 * time.Millisecond, ErrorRate: Stat{Median: 0.3}, P99: Stat{Median: 1}},
		{Experiment: ExpSlow, Workload: "slow-50ms", Mode: "round-robin", SlowBy: 50 * time.Millisecond, P99: Stat{Median: 40}},
		{Experiment: ExpSlow, Workload: "slow-50ms", Mode: "p2c", SlowBy: 50 * time.Millisecond, P99: Stat{Median: 5}},
	}
	b := bestModes(&Report{Cells: cells})
	if len(b) != 1 || b[0].Mode != "p2c" || len(b[0].Cells) != 3 || !strings.Contains(b[0].Workload, "50ms") {
		t.Fatalf("best = %+v", b)
	}
}

func TestPlanPresetsAreValidAndUnknownSizesRefused(t *testing.T) {
	for _, size := range []string{"", SizeQuick, SizeDefault, SizeFull} {
		p, err := PlanFor(size)
		if err != nil || p.Validate() != nil {
			t.Errorf("%q: %v, %v", size, err, p.Validate())
		}
	}
	if _, err := PlanFor("huge"); err == nil {
		t.Error("size huge accepted")
	}
	p, _ := PlanFor(SizeQuick)
	bad := []func(*Plan){
		func(p *Plan) { p.Rounds = 0 },
		func(p *Plan) { p.Duration = 0 },
		func(p *Plan) { p.Modes = []string{"fastest"} },
		func(p *Plan) { p.InFlight = []int{0} },
		func(p *Plan) { p.OpenLoad = []float64{-1} },
	}
	for i, spoil := range bad {
		q := p
		spoil(&q)
		if q.Validate() == nil {
			t.Errorf("spoiled plan %d validated", i)
		}
	}
}

func TestUnequalServiceTimesFollowTheWeights(t *testing.T) {
	p := Plan{Service: time.Millisecond, Weights: []int{1, 2, 4}}
	got := p.unequalLatency()
	want := []time.Duration{3 * time.Millisecond, time.Millisecond, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("extra latency %v, want %v", got, want)
		}
	}
}

func TestRemoteInstancesRunOnlyTheSweeps(t *testing.T) {
	running, err := StartCluster(t.Context(), []int{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	var addrs []string
	for addr := range running.names {
		addrs = append(addrs, addr)
	}
	p := tinyPlan()
	p.Modes, p.Rounds = []string{"round-robin"}, 1
	r, err := RunMatrix(t.Context(), Options{Plan: p, Instances: addrs, SkipPeers: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(p.InFlight) + len(p.OpenLoad); len(r.Cells) != want || len(r.Peers) != 0 || len(r.Notes) != 2 {
		t.Fatalf("%d cells (want %d), %d peers, notes %q", len(r.Cells), want, len(r.Peers), r.Notes)
	}
	for _, c := range r.Cells {
		if c.Workload != "remote" || len(c.Shares) != 2 {
			t.Errorf("cell %s/%s shares %+v", c.Experiment, c.Workload, c.Shares)
		}
	}
}
