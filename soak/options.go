package soak

import (
	"cmp"
	"fmt"
	"io"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/internal/provenance"
)

// Defaults of zero Options fields.
const (
	DefaultDuration   = 10 * time.Minute
	DefaultFraction   = 0.7
	DefaultWindow     = 20 * time.Second
	DefaultGap        = 20 * time.Second
	DefaultTimeout    = time.Second
	DefaultInterval   = time.Second
	DefaultTolerance  = 0.10
	DefaultWorkers    = 64
	DefaultMaxWorkers = 4000
	DefaultSettle     = 15 * time.Second
)

// DefaultFaults is the fault cycle: a slow link, dropped replies, a dead
// heartbeat, a kill with restart and a blackhole, in turn.
var DefaultFaults = []scenario.FaultType{
	scenario.FaultLatency, scenario.FaultDropReply, scenario.FaultDeadHeartbeat, scenario.FaultKill, scenario.FaultBlackhole,
}

// Options configure Run. The zero value works: a ten-minute soak after a
// warm-up of one fault cycle (3m40s).
type Options struct {
	// Duration is how long the faulted load runs; zero means DefaultDuration.
	Duration time.Duration
	// Warmup is the open-loop load before it, at the same rate and with one
	// full fault cycle played by the same player (every fault of Faults, in
	// turn, Window each and Gap apart), after which the load stops, the
	// process settles and the baseline is sampled. The baseline so comes
	// after the process met its fault-time goroutine peak and heap
	// high-water mark (the runtime keeps the descriptor of every goroutine
	// it ever had at once, and spans once split stay so), as the soak's own
	// end sample does, instead of before. Zero means one cycle:
	// len(Faults) × (Window + Gap) + max(Gap, 3s) of recovery, 3m40s with
	// the defaults; a shorter Warmup is rejected.
	Warmup time.Duration
	// Saturation is the closed-loop run that measures the saturation rate;
	// zero means Duration/60, between 2s and 10s.
	Saturation time.Duration
	// Workers are its closed-loop workers; zero means DefaultWorkers.
	Workers int
	// MaxWorkers caps the open-loop workers of the warm-up and the soak
	// (loadgen.Options.MaxWorkers): a call due while that many are busy
	// waits for one and counts as late (Result.Late and WarmupLate). The
	// runtime keeps the descriptor of every goroutine the process ever had
	// at once, and the calls in flight (their workers, their contexts' timer
	// goroutines, the servers' handlers, the clients' pending maps) make
	// most of the goroutine peak, so the heap follows the most calls ever in
	// flight. Under loadgen's cap of 10,000 that peak was left to chance (to
	// how long a GC pause or a fault stalled calls): 10,300 to 14,700
	// goroutines from phase to phase here, moving the heap by up to a fifth.
	// Under a cap that both phases reach, the warm-up's cycle meets the peak
	// the soak will. Zero means DefaultMaxWorkers, 4,000, which both phases
	// reached here at 70% of saturation (peaks of 5,899 and 5,843
	// goroutines), at the price of calls that wait for a worker while the
	// cluster is behind.
	MaxWorkers int
	// Fraction is the share of the saturation rate sent; zero means 0.7.
	Fraction float64
	// Window is how long each fault lasts and Gap the recovery between two;
	// zero means DefaultWindow and DefaultGap.
	Window, Gap time.Duration
	// Faults is the cycle of fault types, each on the next instance; nil
	// means DefaultFaults.
	Faults []scenario.FaultType
	// Timeout bounds each call, retries included; zero means 1s.
	Timeout time.Duration
	// Interval is the timeline's resolution; zero means 1s.
	Interval time.Duration
	// Tolerance is how far goroutines, FDs and heap may move from the
	// baseline, as a share of it; zero means 0.10.
	Tolerance float64
	// Settle is the longest wait after the load for the resources to come
	// back; zero means DefaultSettle.
	Settle time.Duration
	// Seed drives call-fault draws and the client's picks; zero means 1.
	Seed uint64
	// Progress receives one line per phase and fault; nil means none.
	Progress io.Writer
	// Provenance is recorded in the Result; zero means provenance.Collect.
	Provenance provenance.Info
}

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	if o.Duration == 0 {
		o.Duration = DefaultDuration
	}
	o.Saturation = cmp.Or(o.Saturation, clamp(o.Duration/60, 2*time.Second, 10*time.Second))
	o.Workers, o.MaxWorkers = cmp.Or(o.Workers, DefaultWorkers), cmp.Or(o.MaxWorkers, DefaultMaxWorkers)
	o.Fraction = cmp.Or(o.Fraction, DefaultFraction)
	o.Window, o.Gap = cmp.Or(o.Window, DefaultWindow), cmp.Or(o.Gap, DefaultGap)
	if o.Faults == nil {
		o.Faults = DefaultFaults
	}
	o.Timeout, o.Interval = cmp.Or(o.Timeout, DefaultTimeout), cmp.Or(o.Interval, DefaultInterval)
	o.Tolerance, o.Settle = cmp.Or(o.Tolerance, DefaultTolerance), cmp.Or(o.Settle, DefaultSettle)
	o.Seed = cmp.Or(o.Seed, 1)
	o.Warmup = cmp.Or(o.Warmup, o.cycle())
	return o
}

// recovery is the least unfaulted load after the last fault of a phase.
func (o Options) recovery() time.Duration { return max(o.Gap, minRecovery) }

// cycle is the shortest phase that plays every fault of the cycle once and
// recovers: the Warmup default and minimum.
func (o Options) cycle() time.Duration {
	return time.Duration(len(o.Faults))*(o.Window+o.Gap) + o.recovery()
}

// check reports the first invalid option.
func (o Options) check() error {
	switch {
	case o.Duration < 0 || o.Warmup < 0 || o.Saturation < 0 || o.Window < 0 || o.Gap < 0 || o.Timeout < 0 || o.Settle < 0:
		return fmt.Errorf("%w: durations must not be negative", ErrOptions)
	case o.Fraction <= 0 || o.Fraction > 1:
		return fmt.Errorf("%w: fraction %g is outside (0, 1]", ErrOptions, o.Fraction)
	case o.Tolerance <= 0:
		return fmt.Errorf("%w: tolerance %g must be positive", ErrOptions, o.Tolerance)
	case o.Interval < 100*time.Millisecond:
		return fmt.Errorf("%w: interval %s: want at least 100ms", ErrOptions, o.Interval)
	case o.Workers < 0 || o.MaxWorkers < 0:
		return fmt.Errorf("%w: workers %d and max workers %d must not be negative", ErrOptions, o.Workers, o.MaxWorkers)
	case o.Warmup < o.cycle():
		return fmt.Errorf("%w: warmup %s is shorter than one fault cycle, %d faults × (window %s + gap %s) + %s of recovery = %s: the baseline must follow a full cycle",
			ErrOptions, o.Warmup, len(o.Faults), o.Window, o.Gap, o.recovery(), o.cycle())
	}
	for _, t := range o.Faults {
		if _, ok := faultParams[t]; !ok {
			return fmt.Errorf("%w: fault %q cannot cycle (want one of latency, delay, abort, drop_reply, drop_request, dead_heartbeat, kill, zombie, blackhole, reset, down)", ErrOptions, t)
		}
	}
	return nil
}

func clamp(d, lo, hi time.Duration) time.Duration { return min(max(d, lo), hi) }
