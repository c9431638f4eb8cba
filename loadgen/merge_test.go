package loadgen

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"syscall"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// randomResults returns n results of varied latency, outcome, method and
// instance.
func randomResults(seed uint64, n int) []Result {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]Result, n)
	for i := range out {
		due := time.Duration(i) * 100 * time.Microsecond
		lat := time.Duration(rng.ExpFloat64() * float64(2*time.Millisecond))
		out[i] = Result{
			Seq: uint64(i), Method: []string{"Echo.Echo", "Arith.Add"}[rng.IntN(2)],
			Instance: []string{"a", "b", "c"}[rng.IntN(3)],
			Due:      due, Sent: due + time.Duration(rng.IntN(50_000)), Done: due + lat,
			Outcome: Outcome(rng.IntN(3)),
		}
	}
	return out
}

// TestSnapshotMergeIsExact: results recorded in three parts, snapshotted,
// encoded and merged give the same summary as all of them recorded in one
// Metrics, the open interval included.
func TestSnapshotMergeIsExact(t *testing.T) {
	whole, merged := NewPartial(), NewPartial()
	for part := range 3 {
		p := NewPartial()
		for _, r := range randomResults(uint64(part), 5000) {
			if part == 2 { // one method and one outcome: parts the same as the whole
				r.Method, r.Outcome = "Echo.Echo", OutcomeOK
			}
			whole.Add(&r)
			p.Add(&r)
		}
		s, err := p.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		if err := merged.MergeSnapshot(s); err != nil {
			t.Fatal(err)
		}
	}
	ivWhole, ivMerged := whole.Cut(0, time.Second), merged.Cut(0, time.Second)
	whole.Close()
	merged.Close()
	if ivWhole != ivMerged || ivMerged.Calls != 15000 {
		t.Fatalf("interval %+v, want %+v", ivMerged, ivWhole)
	}
	for _, f := range []struct {
		name string
		a, b any
	}{
		{"latency", merged.Latency, whole.Latency}, {"lag", merged.Lag, whole.Lag},
		{"outcomes", merged.Outcomes, whole.Outcomes}, {"methods", merged.Methods, whole.Methods},
		{"instances", merged.Instances, whole.Instances}, {"rate", merged.Rate, whole.Rate},
	} {
		if !reflect.DeepEqual(f.a, f.b) {
			t.Errorf("%s: merged %+v, whole %+v", f.name, f.a, f.b)
		}
	}
}

// TestSnapshotGeometry: a histogram of another geometry is refused.
func TestSnapshotGeometry(t *testing.T) {
	h := hdr.New(1, histHighest, histDigits)
	_ = h.RecordValue(1000)
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Snapshot{
		{All: DistSnapshot{Hist: b, Sum: 1000, Min: 1000, Max: 1000}},
		{All: DistSnapshot{Hist: []byte("not a histogram")}},
	} {
		if err := NewPartial().MergeSnapshot(s); !errors.Is(err, ErrBadSnapshot) {
			t.Errorf("MergeSnapshot = %v, want ErrBadSnapshot", err)
		}
	}
}

// intervalSnapshot is one agent's interval of 20,000 calls: "mixed" has 2
// methods, 3 instances and 3 outcomes; "typical" one method, 2 instances,
// every call ok.
func intervalSnapshot(b *testing.B, typical bool) *Snapshot {
	p := NewPartial()
	for _, r := range randomResults(7, 20000) {
		if typical {
			r.Method, r.Outcome, r.Instance = "Echo.Echo", OutcomeOK, []string{"a", "b"}[r.Seq%2]
		}
		p.Add(&r)
	}
	s, err := p.Snapshot()
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// cpuTime returns the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkMergeSnapshot is the coordinator's cost per agent per interval:
// decoding one interval's Snapshot and merging it. cpu-ns/op is the
// process's CPU time per merge, which a busy machine inflates less than
// ns/op.
func BenchmarkMergeSnapshot(b *testing.B) {
	for _, typical := range []bool{true, false} {
		b.Run(map[bool]string{true: "typical", false: "mixed"}[typical], func(b *testing.B) {
			s := intervalSnapshot(b, typical)
			m := NewPartial()
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				if err := m.MergeSnapshot(s); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkSnapshot is an agent's cost of encoding one interval.
func BenchmarkSnapshot(b *testing.B) {
	for _, typical := range []bool{true, false} {
		b.Run(map[bool]string{true: "typical", false: "mixed"}[typical], func(b *testing.B) {
			p := NewPartial()
			if err := p.MergeSnapshot(intervalSnapshot(b, typical)); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				if _, err := p.Snapshot(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
