package xclient

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"
)

func endpoints(n int) []*Endpoint {
	eps := make([]*Endpoint, n)
	for i := range eps {
		eps[i] = NewEndpoint(fmt.Sprintf("tcp@127.0.0.1:%d", 20000+i), 1)
	}
	return eps
}

// countPicks picks n times and counts the picks per address.
func countPicks(t *testing.T, b Balancer, ctx context.Context, n int) map[string]int {
	t.Helper()
	counts := make(map[string]int)
	for range n {
		e, err := b.Pick(ctx)
		if err != nil {
			t.Fatalf("Pick: %v", err)
		}
		counts[e.Addr()]++
	}
	return counts
}

func TestRoundRobinExact(t *testing.T) {
	for _, tc := range []struct {
		name   string
		n      int
		rounds int
	}{
		{name: "one", n: 1, rounds: 5},
		{name: "three", n: 3, rounds: 7},
		{name: "ten", n: 10, rounds: 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eps := endpoints(tc.n)
			b := NewRoundRobinBalancer()
			b.Update(eps)
			first, _ := b.Pick(context.Background())
			start := indexOf(eps, first)
			for i := 1; i < tc.n*tc.rounds; i++ {
				e, _ := b.Pick(context.Background())
				if want := eps[(start+i)%tc.n]; e != want {
					t.Fatalf("pick %d = %s, want %s", i, e.Addr(), want.Addr())
				}
			}
		})
	}
}

func indexOf(eps []*Endpoint, e *Endpoint) int {
	for i, x := range eps {
		if x == e {
			return i
		}
	}
	return -1
}

func TestRandomChiSquare(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n     int
		picks int
		// critical is the chi-square value for n-1 degrees of freedom at
		// p = 0.001.
		critical float64
	}{
		{name: "two", n: 2, picks: 10000, critical: 10.83},
		{name: "five", n: 5, picks: 20000, critical: 18.47},
		{name: "ten", n: 10, picks: 50000, critical: 27.88},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewRandomBalancer(42)
			b.Update(endpoints(tc.n))
			counts := countPicks(t, b, context.Background(), tc.picks)
			expected := float64(tc.picks) / float64(tc.n)
			chi := 0.0
			for _, c := range counts {
				chi += (float64(c) - expected) * (float64(c) - expected) / expected
			}
			if len(counts) != tc.n || chi > tc.critical {
				t.Fatalf("counts %v: chi-square %.2f > %.2f", counts, chi, tc.critical)
			}
		})
	}
}

func TestWeightedSmooth(t *testing.T) {
	for _, tc := range []struct {
		name    string
		weights []int
	}{
		{name: "5-1-1", weights: []int{5, 1, 1}},
		{name: "3-2", weights: []int{3, 2}},
		{name: "zero-means-one", weights: []int{0, 2}},
		{name: "1-10-100", weights: []int{1, 10, 100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eps := make([]*Endpoint, len(tc.weights))
			total := 0
			for i, w := range tc.weights {
				eps[i] = NewEndpoint(fmt.Sprintf("tcp@127.0.0.1:%d", 30000+i), w)
				total += eps[i].Weight()
			}
			b := NewWeightedBalancer()
			b.Update(eps)
			// every window of total picks gives each endpoint its weight
			for round := range 5 {
				counts := countPicks(t, b, context.Background(), total)
				for _, e := range eps {
					if counts[e.Addr()] != e.Weight() {
						t.Fatalf("round %d: %s got %d, want %d", round, e.Addr(), counts[e.Addr()], e.Weight())
					}
				}
			}
		})
	}
}

func TestWeightedInterleaves(t *testing.T) {
	eps := []*Endpoint{NewEndpoint("a", 5), NewEndpoint("b", 1), NewEndpoint("c", 1)}
	b := NewWeightedBalancer()
	b.Update(eps)
	got := ""
	for range 7 {
		e, _ := b.Pick(context.Background())
		got += e.Addr()
	}
	if want := "aabacaa"; got != want {
		t.Fatalf("sequence %q, want %q (nginx smooth weighted round robin)", got, want)
	}
}

// hashOwners maps each key to the address that owns it.
func hashOwners(t *testing.T, eps []*Endpoint, keys []string) map[string]string {
	t.Helper()
	b := NewConsistentHashBalancer(0)
	b.Update(eps)
	owners := make(map[string]string, len(keys))
	for _, k := range keys {
		e, err := b.Pick(WithHashKey(context.Background(), k))
		if err != nil {
			t.Fatalf("Pick: %v", err)
		}
		owners[k] = e.Addr()
	}
	return owners
}

func TestConsistentHashRemap(t *testing.T) {
	keys := make([]string, 20000)
	for i := range keys {
		keys[i] = fmt.Sprintf("user-%d", i)
	}
	base := endpoints(10)
	added := append(append([]*Endpoint(nil), base...), NewEndpoint("tcp@127.0.0.1:29999", 1))
	removed := append(append([]*Endpoint(nil), base[:4]...), base[5:]...)
	for _, tc := range []struct {
		name   string
		after  []*Endpoint
		share  float64 // the expected share of keys moved: 1/N
		affect string  // every moved key moves to or from this address
	}{
		{name: "add", after: added, share: 1.0 / 11, affect: "tcp@127.0.0.1:29999"},
		{name: "remove", after: removed, share: 1.0 / 10, affect: base[4].Addr()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, after := hashOwners(t, base, keys), hashOwners(t, tc.after, keys)
			moved := 0
			for _, k := range keys {
				if before[k] == after[k] {
					continue
				}
				moved++
				if before[k] != tc.affect && after[k] != tc.affect {
					t.Fatalf("key %s moved %s -> %s, neither is %s", k, before[k], after[k], tc.affect)
				}
			}
			share := float64(moved) / float64(len(keys))
			if share < tc.share/2 || share > tc.share*1.5 {
				t.Fatalf("moved share %.3f, want about %.3f", share, tc.share)
			}
		})
	}
}

func TestConsistentHashBalanceAndStability(t *testing.T) {
	eps := endpoints(5)
	b := NewConsistentHashBalancer(0)
	b.Update(eps)
	counts := make(map[string]int)
	for i := range 10000 {
		ctx := WithHashKey(context.Background(), fmt.Sprintf("k%d", i))
		e1, _ := b.Pick(ctx)
		e2, _ := b.Pick(ctx)
		if e1 != e2 {
			t.Fatalf("key k%d went to %s then %s", i, e1.Addr(), e2.Addr())
		}
		counts[e1.Addr()]++
	}
	for addr, c := range counts {
		if c < 1000 || c > 3000 { // fair share 2000
			t.Fatalf("%s got %d of 10000 keys: %v", addr, c, counts)
		}
	}
	reordered := []*Endpoint{eps[3], eps[1], eps[4], eps[0], eps[2]}
	b2 := NewConsistentHashBalancer(0)
	b2.Update(reordered)
	for i := range 1000 {
		ctx := WithHashKey(context.Background(), fmt.Sprintf("k%d", i))
		e1, _ := b.Pick(ctx)
		e2, _ := b2.Pick(ctx)
		if e1 != e2 {
			t.Fatalf("ring depends on endpoint order: key k%d", i)
		}
	}
}

func TestPickErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    Balancer
		eps  []*Endpoint
		ctx  context.Context
		want error
	}{
		{name: "random-empty", b: NewRandomBalancer(1), want: ErrNoInstances},
		{name: "rr-empty", b: NewRoundRobinBalancer(), want: ErrNoInstances},
		{name: "weighted-empty", b: NewWeightedBalancer(), want: ErrNoInstances},
		{name: "p2c-empty", b: NewP2CBalancer(1), want: ErrNoInstances},
		{name: "hash-empty", b: NewConsistentHashBalancer(0), want: ErrNoInstances},
		{name: "hash-no-key", b: NewConsistentHashBalancer(0), eps: endpoints(2), want: ErrNoHashKey},
		{name: "unknown-mode", b: newBalancer(SelectMode(99), 0, 0), eps: endpoints(2), want: ErrUnknownMode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.b.Update(tc.eps)
			if _, err := tc.b.Pick(context.Background()); !errors.Is(err, tc.want) {
				t.Fatalf("Pick error %v, want %v", err, tc.want)
			}
		})
	}
}

func TestP2CPrefersLowerCost(t *testing.T) {
	for _, tc := range []struct {
		name      string
		latency   []time.Duration
		inflight  []int64
		favourite int // the endpoint that must win every pair it is in
	}{
		{name: "slow-latency", latency: []time.Duration{50 * time.Millisecond, time.Millisecond}, inflight: []int64{0, 0}, favourite: 1},
		{name: "busy", latency: []time.Duration{time.Millisecond, time.Millisecond}, inflight: []int64{9, 1}, favourite: 1},
		{name: "fresh-idle-wins", latency: []time.Duration{0, time.Millisecond}, inflight: []int64{0, 0}, favourite: 0},
		{name: "fresh-busy-loses", latency: []time.Duration{0, time.Millisecond}, inflight: []int64{1, 3}, favourite: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eps := endpoints(len(tc.latency))
			now := nanotime()
			for i, e := range eps {
				if tc.latency[i] > 0 {
					e.lat.observe(tc.latency[i], now)
				}
				e.inflight.Store(tc.inflight[i])
			}
			b := NewP2CBalancer(7)
			b.Update(eps)
			counts := countPicks(t, b, context.Background(), 100)
			if fav := eps[tc.favourite].Addr(); counts[fav] != 100 {
				t.Fatalf("favourite %s got %d of 100 picks", fav, counts[fav])
			}
		})
	}
}

// observeWant records rtt at now in p and fails unless the estimate is then
// want.
func observeWant(t *testing.T, p *peakEWMA, rtt time.Duration, now int64, want time.Duration, what string) {
	t.Helper()
	p.observe(rtt, now)
	if got := time.Duration(p.value(now)); got != want {
		t.Fatalf("%s: estimate %v, want %v", what, got, want)
	}
}

func TestPeakEWMA(t *testing.T) {
	var p peakEWMA
	now := nanotime()
	observeWant(t, &p, 10*time.Millisecond, now, 10*time.Millisecond, "first sample")
	observeWant(t, &p, 100*time.Millisecond, now, 10*time.Millisecond, "one outlier lifts nothing")
	observeWant(t, &p, 100*time.Millisecond, now, 100*time.Millisecond, "two slow answers in a row lift it to the peak")
	p.observe(10*time.Millisecond, now+int64(ewmaDecay))
	got := time.Duration(p.value(now + int64(ewmaDecay)))
	// one decay time later the old value weighs 1/e
	hi, lo := float64(100*time.Millisecond), float64(10*time.Millisecond)
	want := time.Duration(hi/math.E + lo*(1-1/math.E))
	if d := got - want; d < -time.Microsecond || d > time.Microsecond {
		t.Fatalf("after decay: %v, want %v", got, want)
	}
}

func TestPeakEWMAFirstAnswerAfterReset(t *testing.T) {
	var p peakEWMA
	now := nanotime()
	p.reset(float64(2*time.Millisecond), now)
	observeWant(t, &p, 40*time.Millisecond, now, 2*time.Millisecond, "first answer after a reset (a one-time cost)")
	observeWant(t, &p, 40*time.Millisecond, now, 40*time.Millisecond, "second slow answer")
}

func TestMultiServersDiscovery(t *testing.T) {
	d := NewMultiServerDiscovery(nil)
	if _, err := d.Get(RandomSelect); !errors.Is(err, ErrNoInstances) {
		t.Fatalf("Get on empty: %v", err)
	}
	servers := []string{"a", "b", "c"}
	if err := d.Update(servers); err != nil {
		t.Fatal(err)
	}
	first, _ := d.Get(RoundRobinSelect)
	start := indexOf3(servers, first)
	for i := 1; i < 9; i++ {
		s, _ := d.Get(RoundRobinSelect)
		if want := servers[(start+i)%3]; s != want {
			t.Fatalf("round robin pick %d = %s, want %s", i, s, want)
		}
	}
	all, _ := d.GetAll()
	all[0] = "mutated"
	if again, _ := d.GetAll(); again[0] != "a" {
		t.Fatalf("GetAll must return a copy")
	}
	if _, err := d.Get(P2CSelect); !errors.Is(err, ErrUnknownMode) {
		t.Fatalf("Get(P2CSelect) = %v, want ErrUnknownMode", err)
	}
}

func indexOf3(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func TestSelectModeString(t *testing.T) {
	for _, tc := range []struct {
		mode SelectMode
		want string
	}{
		{RandomSelect, "random"}, {RoundRobinSelect, "round-robin"}, {P2CSelect, "p2c"}, {SelectMode(42), "SelectMode(42)"},
	} {
		if got := tc.mode.String(); got != tc.want {
			t.Errorf("%d.String() = %q, want %q", int(tc.mode), got, tc.want)
		}
	}
}

func BenchmarkPick(b *testing.B) {
	keyed := WithHashKey(context.Background(), "user-12345")
	for _, bc := range []struct {
		name string
		mode SelectMode
		ctx  context.Context
	}{
		{name: "random", mode: RandomSelect, ctx: context.Background()},
		{name: "round-robin", mode: RoundRobinSelect, ctx: context.Background()},
		{name: "weighted", mode: WeightedRoundRobinSelect, ctx: context.Background()},
		{name: "consistent-hash", mode: ConsistentHashSelect, ctx: keyed},
		{name: "p2c", mode: P2CSelect, ctx: context.Background()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			bal := newBalancer(bc.mode, 0, 0)
			eps := endpoints(10)
			for i, e := range eps {
				e.lat.observe(time.Duration(i+1)*time.Millisecond, nanotime())
			}
			bal.Update(eps)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := bal.Pick(bc.ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

func TestDecayWeight(t *testing.T) {
	for _, elapsed := range []time.Duration{0, time.Microsecond, time.Millisecond, 100 * time.Millisecond, 156 * time.Millisecond, time.Second, time.Minute} {
		want := math.Exp(-float64(elapsed) / float64(ewmaDecay))
		if got := decayWeight(int64(elapsed)); math.Abs(got-want) > 1e-6 {
			t.Errorf("decayWeight(%v) = %v, want %v", elapsed, got, want)
		}
	}
}
