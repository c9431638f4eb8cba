package loadgen

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"
)

// result builds a result due at due that took lat.
func result(seq uint64, method, inst string, o Outcome, due, lat time.Duration) *Result {
	return &Result{Seq: seq, Method: method, Instance: inst, Outcome: o, Due: due, Sent: due, Done: due + lat}
}

func TestMetricsSummary(t *testing.T) {
	var m Metrics
	// 100 calls, one every 10ms, latencies 1ms..100ms; every 10th a timeout.
	for i := range 100 {
		o := OutcomeOK
		if i%10 == 9 {
			o = OutcomeTimeout
		}
		inst := []string{"a", "b"}[i%2]
		m.Add(result(uint64(i), "Echo.Echo", inst, o, time.Duration(i)*10*time.Millisecond, time.Duration(i+1)*time.Millisecond))
	}
	m.Close()
	if m.Calls != 100 || m.OK != 90 || m.Success != 0.9 {
		t.Fatalf("calls %d ok %d success %v", m.Calls, m.OK, m.Success)
	}
	l := m.Latency
	if !near(l.P50, 50*time.Millisecond) || !near(l.P99, 99*time.Millisecond) || l.Max != 100*time.Millisecond || l.Min != time.Millisecond {
		t.Fatalf("latency %+v", l)
	}
	if l.Mean != 50500*time.Microsecond {
		t.Fatalf("mean %v, want 50.5ms", l.Mean)
	}
	if !within(m.Rate, 100, 1e-9) {
		t.Fatalf("rate %v, want 100/s", m.Rate)
	}
	if m.Outcomes[OutcomeTimeout].Calls != 10 || m.Outcomes[OutcomeOK].Calls != 90 {
		t.Fatalf("outcomes %+v", m.Outcomes)
	}
	checkShares(t, &m)
	if len(m.Instances) != 2 || m.Instances[0].Name != "a" || m.Instances[0].Calls != 50 {
		t.Fatalf("instances %+v", m.Instances)
	}
}

// near reports whether d is within 0.1% of want (3 significant digits).
func near(d, want time.Duration) bool {
	return math.Abs(float64(d-want)) <= float64(want)/1000
}

// checkShares asserts that per-instance and per-method calls and shares add
// up to the totals.
func checkShares(t *testing.T, m *Metrics) {
	t.Helper()
	for kind, gs := range map[string][]GroupStats{"instance": m.Instances, "method": m.Methods} {
		var calls int64
		var share float64
		for _, g := range gs {
			calls += g.Calls
			share += g.Share
			if g.Outcomes.Total() != g.Calls {
				t.Fatalf("%s %q: outcomes %d != calls %d", kind, g.Name, g.Outcomes.Total(), g.Calls)
			}
		}
		if calls != m.Calls || (m.Calls > 0 && math.Abs(share-1) > 1e-9) {
			t.Fatalf("%s shares: calls %d of %d, share %v", kind, calls, m.Calls, share)
		}
	}
}

func TestMetricsTimeline(t *testing.T) {
	m := Metrics{Setup: Setup{Interval: 100 * time.Millisecond}}
	// 10 calls per 100ms for 1s, none between 300ms and 500ms.
	for i := range 100 {
		due := time.Duration(i) * 10 * time.Millisecond
		if due >= 300*time.Millisecond && due < 500*time.Millisecond {
			continue
		}
		m.Add(result(uint64(i), "M", "", OutcomeOK, due, time.Millisecond))
	}
	m.Close()
	if len(m.Timeline) != 10 {
		t.Fatalf("%d intervals, want 10: %+v", len(m.Timeline), m.Timeline)
	}
	var calls int64
	for i, iv := range m.Timeline {
		calls += iv.Calls
		want := int64(10)
		if i == 3 || i == 4 {
			want = 0
		}
		if iv.Calls != want || iv.Start != time.Duration(i)*100*time.Millisecond {
			t.Fatalf("interval %d = %+v, want %d calls", i, iv, want)
		}
	}
	if calls != m.Calls {
		t.Fatalf("timeline holds %d calls of %d", calls, m.Calls)
	}
}

func TestMetricsMerge(t *testing.T) {
	var whole, a, b Metrics
	for i := range 1000 {
		r := result(uint64(i), "M", "x", Outcome(i%3), time.Duration(i)*time.Millisecond, time.Duration(i%97)*time.Millisecond)
		whole.Add(r)
		if i%2 == 0 {
			a.Add(r)
		} else {
			b.Add(r)
		}
	}
	var merged Metrics
	merged.Merge(&a)
	merged.Merge(&b)
	merged.Close()
	whole.Close()
	if merged.Latency != whole.Latency || merged.Calls != whole.Calls || merged.Rate != whole.Rate {
		t.Fatalf("merged %+v %v\nwhole %+v %v", merged.Latency, merged.Rate, whole.Latency, whole.Rate)
	}
	for i := range merged.Outcomes {
		if merged.Outcomes[i] != whole.Outcomes[i] {
			t.Fatalf("outcome %d: %+v vs %+v", i, merged.Outcomes[i], whole.Outcomes[i])
		}
	}
}

func TestMetricsGroupCap(t *testing.T) {
	var m Metrics
	for i := range maxGroups + 10 {
		m.Add(result(uint64(i), "M", string(rune('A'+i)), OutcomeOK, 0, time.Millisecond))
	}
	m.Close()
	if len(m.Instances) != maxGroups+1 {
		t.Fatalf("%d instance groups, want %d", len(m.Instances), maxGroups+1)
	}
	checkShares(t, &m)
}

func TestMetricsEmpty(t *testing.T) {
	var m Metrics
	m.Close()
	if m.Calls != 0 || m.Rate != 0 || m.Success != 0 || len(m.Outcomes) != int(numOutcomes) {
		t.Fatalf("empty metrics %+v", m)
	}
}

func TestAddAllocatesNothing(t *testing.T) {
	var m Metrics
	rs := benchResults()
	for i := range rs {
		m.Add(&rs[i]) // first sight of each method and instance allocates
	}
	i := 0
	allocs := testing.AllocsPerRun(10000, func() {
		m.Add(&rs[i%len(rs)])
		i++
	})
	if allocs != 0 {
		t.Fatalf("Add allocates %v times per call", allocs)
	}
}

// benchResults returns results spread over two methods, three instances,
// all outcomes and latencies from 20µs to 2s.
func benchResults() []Result {
	rs := make([]Result, 1024)
	for i := range rs {
		lat := time.Duration(20_000 + (i*7919)%2_000_000*1000)
		rs[i] = Result{
			Seq: uint64(i), Method: []string{"Echo.Echo", "Work.Sleep"}[i%2],
			Instance: []string{"tcp@127.0.0.1:7001", "tcp@127.0.0.1:7002", "tcp@127.0.0.1:7003"}[i%3],
			Outcome:  Outcome(i % int(numOutcomes)),
			Due:      time.Duration(i) * time.Millisecond, Sent: time.Duration(i)*time.Millisecond + 300,
		}
		rs[i].Done = rs[i].Due + lat
	}
	return rs
}

// BenchmarkMetricsAdd measures the cost of recording one result: "spread"
// is the worst case (latencies over five decades, every outcome, alternating
// methods and instances, so most histogram writes miss the cache);
// "typical" has OK calls of 50µs..250µs over three instances.
func BenchmarkMetricsAdd(b *testing.B) {
	for _, bc := range []struct {
		name string
		rs   []Result
	}{{"spread", benchResults()}, {"typical", typicalResults()}} {
		b.Run(bc.name, func(b *testing.B) {
			var m Metrics
			for i := range bc.rs {
				m.Add(&bc.rs[i])
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				m.Add(&bc.rs[i&1023])
				i++
			}
		})
	}
}

// typicalResults returns OK Echo results of 50µs..250µs over three
// instances.
func typicalResults() []Result {
	rs := benchResults()
	for i := range rs {
		rs[i].Method, rs[i].Outcome = "Echo.Echo", OutcomeOK
		rs[i].Done = rs[i].Due + time.Duration(50_000+(i*7919)%200_000)
	}
	return rs
}

// BenchmarkShardAdd measures recording as Run does it: under the shard's
// mutex, from parallel goroutines spread over shards.
func BenchmarkShardAdd(b *testing.B) {
	shards := make([]*shard, 8)
	rs := benchResults()
	for i := range shards {
		shards[i] = &shard{m: Metrics{manual: true}}
		for j := range rs {
			shards[i].add(&rs[j])
		}
	}
	var next int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		sh := shards[int(atomicAdd(&next))%len(shards)]
		i := 0
		for pb.Next() {
			sh.add(&rs[i&1023])
			i++
		}
	})
}

// BenchmarkRunClosedLoop measures the generator's own cost per call: a
// closed loop against an invoker that answers at once.
func BenchmarkRunClosedLoop(b *testing.B) {
	for _, c := range []int{1, 8} {
		b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
			b.ReportAllocs()
			m := mustRun(b, context.Background(), &fakeInvoker{}, Options{
				Targets: []Target{EchoTarget(581)}, Concurrency: c, Count: uint64(b.N),
			})
			if m.OK != int64(b.N) {
				b.Fatalf("%d ok of %d", m.OK, b.N)
			}
		})
	}
}
