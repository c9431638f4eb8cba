package loadgen

import (
	"math"
	"testing"
	"time"
)

func TestConstantPacer(t *testing.T) {
	p := ConstantPacer{PerSecond: 1000}
	for _, n := range []uint64{0, 1, 999, 1000, 123456} {
		got, ok := p.Due(n)
		if want := time.Duration(n) * time.Millisecond; !ok || got != want {
			t.Fatalf("Due(%d) = %v, %v; want %v", n, got, ok, want)
		}
	}
	if _, ok := (ConstantPacer{}).Due(0); ok {
		t.Fatal("a zero rate has calls")
	}
}

// countBy counts the calls p makes due before t.
func countBy(p Pacer, t time.Duration) int {
	n := 0
	for {
		due, ok := p.Due(uint64(n))
		if !ok || due >= t {
			return n
		}
		n++
	}
}

func TestLinearPacer(t *testing.T) {
	tests := []struct {
		name string
		p    LinearPacer
		at   time.Duration
		want float64 // calls due before at: the integral of the rate
	}{
		{name: "ramp up", p: LinearPacer{From: 100, To: 1100, Over: 2 * time.Second}, at: 2 * time.Second, want: 1200},
		{name: "half ramp", p: LinearPacer{From: 0, To: 1000, Over: 2 * time.Second}, at: time.Second, want: 250},
		{name: "after ramp", p: LinearPacer{From: 0, To: 1000, Over: time.Second}, at: 2 * time.Second, want: 1500},
		{name: "ramp down", p: LinearPacer{From: 1000, To: 0, Over: time.Second}, at: 3 * time.Second, want: 500},
		{name: "flat", p: LinearPacer{From: 500, To: 500, Over: time.Second}, at: time.Second, want: 500},
		{name: "no ramp", p: LinearPacer{To: 300}, at: time.Second, want: 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := countBy(tt.p, tt.at); math.Abs(float64(got)-tt.want) > 1 {
				t.Fatalf("calls before %v = %d, want %v", tt.at, got, tt.want)
			}
			prev := time.Duration(-1)
			for n := uint64(0); n < uint64(tt.want); n++ {
				due, _ := tt.p.Due(n)
				if due < prev {
					t.Fatalf("Due(%d) = %v before Due(%d) = %v", n, due, n-1, prev)
				}
				prev = due
			}
		})
	}
}

func TestLinearPacerRate(t *testing.T) {
	p := LinearPacer{From: 100, To: 300, Over: 2 * time.Second}
	for _, c := range []struct {
		at   time.Duration
		want float64
	}{{0, 100}, {time.Second, 200}, {2 * time.Second, 300}, {time.Hour, 300}} {
		if got := p.Rate(c.at); math.Abs(got-c.want) > 1e-9 {
			t.Fatalf("Rate(%v) = %v, want %v", c.at, got, c.want)
		}
	}
	if s := p.String(); s != "linear 100/s to 300/s over 2s" {
		t.Fatalf("String = %q", s)
	}
}
