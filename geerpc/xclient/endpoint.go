package xclient

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Endpoint is one instance as balancers see it: its address, weight and live
// load figures. The XClient creates endpoints; balancers only read them.
type Endpoint struct {
	addr   string
	weight int

	inflight atomic.Int64
	lat      peakEWMA

	// client is the cached connection; nil until dialled or after it broke.
	client atomic.Pointer[clientBox]
	// removed is set once the instance left discovery or the XClient closed.
	removed atomic.Bool
	// consec counts consecutive transport errors and timeouts.
	consec atomic.Int32

	// ejected is true while the instance is held out of balancing, and
	// probing while a trial call to it runs; both are written under the
	// owning XClient's mu and read without it.
	ejected atomic.Bool
	probing atomic.Bool

	mu sync.Mutex // protects following
	// dialing is the dial in progress, nil when none.
	dialing *dialWait

	// The ejection state below is guarded by the owning XClient's mu.

	// ejections counts the recent ejections, each doubling the next time.
	ejections int
	// returned is the nanotime of the last return from ejection.
	returned int64
	// until is the nanotime when the current ejection ends and a trial is
	// due.
	until int64
}

// clientBox holds a client so that it can sit in an atomic.Pointer.
type clientBox struct{ c rpcClient }

// dialWait is one dial shared by every call waiting for it.
type dialWait struct {
	done chan struct{}
	c    rpcClient // valid after done is closed
	err  error     // valid after done is closed
}

// NewEndpoint returns an endpoint for addr with the given weight (values
// below 1 mean 1). It is meant for testing custom balancers; an XClient makes
// its own.
func NewEndpoint(addr string, weight int) *Endpoint {
	return &Endpoint{addr: addr, weight: max(weight, 1)}
}

// Addr returns the instance address, e.g. "tcp@127.0.0.1:9999".
func (e *Endpoint) Addr() string { return e.addr }

// Weight returns the instance weight, at least 1.
func (e *Endpoint) Weight() int { return e.weight }

// InFlight returns the number of calls now running on the instance.
func (e *Endpoint) InFlight() int64 { return e.inflight.Load() }

// Latency returns the peak-EWMA round-trip time of the instance, decayed to
// now; zero means not measured yet.
func (e *Endpoint) Latency() time.Duration {
	return time.Duration(e.lat.value(nanotime()))
}

// estimate returns the latency estimate at now in nanoseconds; zero means
// not measured yet.
func (e *Endpoint) estimate(now int64) float64 { return e.lat.value(now) }

// unmeasuredPenalty is the load of an instance with calls in flight but no
// measured latency yet, so that a new instance gets one call at a time until
// its first answer.
const unmeasuredPenalty = float64(time.Hour)

// cost is the load estimate of power-of-two-choices: latency times the calls
// in flight plus one.
func (e *Endpoint) cost(now int64) float64 {
	pending := float64(e.inflight.Load())
	lat := e.lat.value(now)
	if lat == 0 {
		if pending == 0 {
			return 0
		}
		return unmeasuredPenalty + pending
	}
	return lat * (pending + 1)
}

// ewmaDecay is the time constant of the latency average: a sample older than
// this weighs 1/e of a new one. Finagle and linkerd take 10s; with it, one
// slow answer (a pause of the machine) kept an equal instance out of
// power-of-two-choices for tens of seconds at low concurrency. With 1s it
// is forgotten in a few seconds, while a slow instance, whose answers lift
// its estimate again from the second one on, stays avoided.
const ewmaDecay = time.Second

// peakEWMA is an exponentially weighted moving average of latency that jumps
// up at once to any filtered sample above it, and decays toward zero with
// time. Each sample is filtered to the lesser of it and the round trip
// before it: one outlier (a pause of the machine, a scheduling hiccup of a
// busy process) lifts nothing, two in a row lift the average as a peak
// does. Without the filter, at low concurrency a single outlier kept an
// equal instance out of power-of-two-choices for up to a second, and its
// share over a few seconds swung twice as wide as random's. A slow
// instance, every answer of which is slow, is lifted at its second answer.
type peakEWMA struct {
	bits  atomic.Uint64 // the float64 average, in nanoseconds
	stamp atomic.Int64  // nanotime of the last sample

	mu sync.Mutex // serialises observe and reset; protects following
	// prev is the round trip before the newest, in nanoseconds; zero when
	// none was taken yet.
	prev float64
}

// observe records one round trip. When another goroutine is recording, the
// sample is dropped rather than waited for: under contention the average
// has samples enough.
func (p *peakEWMA) observe(rtt time.Duration, now int64) {
	if !p.mu.TryLock() {
		return
	}
	v := float64(rtt)
	if p.prev > 0 {
		v = min(v, p.prev)
	}
	p.prev = float64(rtt)
	old := math.Float64frombits(p.bits.Load())
	if v < old {
		w := decayWeight(now - p.stamp.Load())
		v = old*w + v*(1-w)
	}
	p.bits.Store(math.Float64bits(v))
	p.stamp.Store(now)
	p.mu.Unlock()
}

// reset starts the average over at v, as if it were the only sample, taken
// at now.
func (p *peakEWMA) reset(v float64, now int64) {
	p.mu.Lock()
	p.bits.Store(math.Float64bits(v))
	p.stamp.Store(now)
	p.prev = v
	p.mu.Unlock()
}

// empty reports whether no sample was recorded yet.
func (p *peakEWMA) empty() bool { return p.bits.Load() == 0 }

// value returns the average decayed from its last sample to now. The two
// words are read apart, so a concurrent observe may mix them: the error is
// one decay step, harmless for balancing.
func (p *peakEWMA) value(now int64) float64 {
	v := math.Float64frombits(p.bits.Load())
	if v == 0 {
		return 0
	}
	return v * decayWeight(now-p.stamp.Load())
}

// decayWeight is exp(-elapsed/ewmaDecay). Picks read it often for short
// spans, where a second-order Taylor term is exact to 1e-6 and far cheaper.
func decayWeight(elapsed int64) float64 {
	if elapsed <= 0 {
		return 1
	}
	x := float64(elapsed) / float64(ewmaDecay)
	if x < 1.0/64 {
		return 1 - x + x*x/2
	}
	return math.Exp(-x)
}

// acquire counts a call in flight. It fails when the instance left discovery,
// so that the caller picks again.
func (e *Endpoint) acquire() bool {
	e.inflight.Add(1)
	if e.removed.Load() {
		e.release()
		return false
	}
	return true
}

// release ends a call; the last call on a removed instance closes its client.
func (e *Endpoint) release() {
	if e.inflight.Add(-1) == 0 && e.removed.Load() {
		e.closeClient()
	}
}

// retire marks the instance gone and closes its client once idle.
func (e *Endpoint) retire() {
	e.removed.Store(true)
	if e.inflight.Load() == 0 {
		e.closeClient()
	}
}

// closeClient closes the cached client, if any; safe to call many times.
func (e *Endpoint) closeClient() {
	if b := e.client.Swap(nil); b != nil {
		_ = b.c.Close()
	}
}

// cached returns the cached client if it is usable. A broken one is taken
// out and closed, never reused.
func (e *Endpoint) cached() (rpcClient, bool) {
	b := e.client.Load()
	if b == nil {
		return nil, false
	}
	if b.c.IsAvailable() {
		return b.c, true
	}
	if e.client.CompareAndSwap(b, nil) {
		_ = b.c.Close()
	}
	return nil, false
}

// rpcClient is what an XClient needs of a connection to one instance;
// *geerpc.Client implements it.
type rpcClient interface {
	Call(ctx context.Context, serviceMethod string, args, reply any) error
	IsAvailable() bool
	Close() error
}

// dialFunc opens a connection to one instance.
type dialFunc func(ctx context.Context, addr string) (rpcClient, error)
