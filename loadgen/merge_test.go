package loadgen

import (
	"errors"
	"math/rand/v2"
	"reflect"
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

// BenchmarkMergeSnapshot is the coordinator's cost per agent per interval:
// decoding and merging one interval's Snapshot of 2 methods, 3 instances
// and 3 outcomes.
func BenchmarkMergeSnapshot(b *testing.B) {
	p := NewPartial()
	for _, r := range randomResults(7, 20000) {
		p.Add(&r)
	}
	s, err := p.Snapshot()
	if err != nil {
		b.Fatal(err)
	}
	m := NewPartial()
	b.ReportAllocs()
	for b.Loop() {
		if err := m.MergeSnapshot(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSnapshot is an agent's cost of encoding one interval.
func BenchmarkSnapshot(b *testing.B) {
	p := NewPartial()
	for _, r := range randomResults(7, 20000) {
		p.Add(&r)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Snapshot(); err != nil {
			b.Fatal(err)
		}
	}
}
