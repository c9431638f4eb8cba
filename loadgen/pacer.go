package loadgen

import (
	"fmt"
	"math"
	"time"
)

// Pacer decides when each call of an open-loop run is due. The run does not
// sleep once per call: it sends every call whose due time has passed, then
// sleeps until the next one, so coarse timers delay calls but never drop
// them, and latency is measured from the due time.
type Pacer interface {
	// Due returns when call n (counting from 0) is due, as an offset from
	// the start of the run, and false when the pacer has no call n.
	Due(n uint64) (time.Duration, bool)
	// Rate returns the target rate, in calls per second, at offset t.
	Rate(t time.Duration) float64
}

// ConstantPacer sends calls at a fixed rate.
type ConstantPacer struct {
	PerSecond float64 // calls per second; zero or less means no calls
}

// Due returns n/PerSecond seconds.
func (p ConstantPacer) Due(n uint64) (time.Duration, bool) {
	if p.PerSecond <= 0 {
		return 0, false
	}
	return seconds(float64(n) / p.PerSecond), true
}

// Rate returns PerSecond.
func (p ConstantPacer) Rate(time.Duration) float64 { return max(p.PerSecond, 0) }

// String describes the pacer, as in "constant 1000/s".
func (p ConstantPacer) String() string { return fmt.Sprintf("constant %g/s", p.PerSecond) }

// LinearPacer ramps the rate linearly from From to To over Over, then keeps
// To. Rates below zero count as zero.
type LinearPacer struct {
	From float64       // calls per second at offset 0
	To   float64       // calls per second at Over and after
	Over time.Duration // length of the ramp; zero means a constant To
}

// Due inverts the number of calls due by t, N(t) = From·t + a·t²/2 with
// a = (To-From)/Over during the ramp, using the form of the root that stays
// exact when a is small.
func (p LinearPacer) Due(n uint64) (time.Duration, bool) {
	r0, r1 := max(p.From, 0), max(p.To, 0)
	if p.Over <= 0 {
		return ConstantPacer{PerSecond: r1}.Due(n)
	}
	if n == 0 && (r0 > 0 || r1 > 0) {
		return 0, true
	}
	d := p.Over.Seconds()
	ramp := (r0 + r1) / 2 * d // calls due during the ramp
	if x := float64(n); x < ramp {
		a := (r1 - r0) / d
		return seconds(2 * x / (r0 + math.Sqrt(max(r0*r0+2*a*x, 0)))), true
	}
	if r1 <= 0 {
		return 0, false
	}
	return p.Over + seconds((float64(n)-ramp)/r1), true
}

// Rate returns the ramp's rate at t.
func (p LinearPacer) Rate(t time.Duration) float64 {
	r0, r1 := max(p.From, 0), max(p.To, 0)
	if p.Over <= 0 || t >= p.Over {
		return r1
	}
	return r0 + (r1-r0)*t.Seconds()/p.Over.Seconds()
}

// String describes the pacer, as in "linear 100/s to 1000/s over 10s".
func (p LinearPacer) String() string {
	return fmt.Sprintf("linear %g/s to %g/s over %v", p.From, p.To, p.Over)
}

// seconds converts a float number of seconds to a Duration.
func seconds(s float64) time.Duration {
	return time.Duration(math.Round(s * float64(time.Second)))
}

var (
	_ Pacer = ConstantPacer{}
	_ Pacer = LinearPacer{}
)
