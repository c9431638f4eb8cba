package xclient

import (
	"math"
	"time"
)

// Outlier ejection is half-open, as a circuit breaker: an instance that
// failed EjectAfter times in a row leaves balancing for its ejection time;
// then the next call (only one at a time) goes to it as a trial. A trial
// that succeeds returns the instance to balancing; one that fails ejects it
// again for twice as long, up to EjectMax. An instance that failed fewer
// times stays in balancing, where its failure penalty keeps P2C away from
// it; it too gets a trial when EjectBase passed since its last failure.
// A trial's answer starts the instance's latency estimate over. Trials ride
// on calls, so an idle client sends none.

// noProbe is probeAt when no ejected instance waits for a trial.
const noProbe = math.MaxInt64

// noteSuccess records an answer of e that took rtt and ended at now: a
// trial's answer returns e to balancing; the first answer of e sets its
// latency from its peers'. It writes the failure count only when there was
// a run, so that busy instances do not bounce the cache line.
func (x *XClient) noteSuccess(e *Endpoint, rtt time.Duration, now int64) {
	switch {
	case e.probing.Load():
		x.readmit(e, rtt, now)
	case e.lat.empty():
		e.lat.reset(x.startLatency(e, rtt, now), now)
	default:
		e.lat.observe(rtt, now)
	}
	if e.consec.Load() != 0 {
		e.consec.Store(0)
	}
}

// noteFailure counts a transport error or timeout of e and ejects it after
// EjectAfter in a row; a failed trial ejects it again. Below EjectAfter, it
// schedules a trial.
func (x *XClient) noteFailure(e *Endpoint) {
	n := e.consec.Add(1)
	switch {
	case e.ejected.Load() && !e.probing.Load():
		// a call the balancer sent while every instance was ejected
	case e.ejected.Load(), x.opt.EjectAfter > 0 && int(n) >= x.opt.EjectAfter:
		x.eject(e)
	default:
		x.mu.Lock()
		if !e.ejected.Load() { // not since the check above
			x.scheduleTrial(e, x.now()+int64(x.opt.EjectBase))
		}
		x.mu.Unlock()
	}
}

// scheduleTrial makes e due for a trial at t; x.mu must be held.
func (x *XClient) scheduleTrial(e *Endpoint, t int64) {
	e.until = t
	e.probing.Store(false)
	x.probeAt.Store(min(x.probeAt.Load(), t))
}

// noteCanceled ends a trial of e that its caller canceled: it says nothing
// of e, so the next call is a trial again.
func (x *XClient) noteCanceled(e *Endpoint) {
	if !e.probing.Load() {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if e.probing.Load() {
		e.probing.Store(false)
		x.probeAt.Store(min(x.probeAt.Load(), e.until))
	}
}

// eject holds e out of balancing for its ejection time, unless that would
// eject more than MaxEjectedPercent of the instances (then it only gets a
// trial after EjectBase). An ejected instance whose trial failed stays out,
// for longer.
func (x *XClient) eject(e *Endpoint) {
	x.mu.Lock()
	defer x.mu.Unlock()
	v := x.view.Load()
	if x.closed.Load() || v.byAddr[e.addr] != e {
		return
	}
	now := x.now()
	again := e.ejected.Load()
	if !again && !x.mayEject(v) {
		x.scheduleTrial(e, now+int64(x.opt.EjectBase))
		return
	}
	d := x.ejectionTime(e, now)
	x.scheduleTrial(e, now+int64(d))
	if again {
		x.log.Info("xclient: trial failed, instance ejected again", "addr", e.addr, "for", d)
		return
	}
	e.ejected.Store(true)
	x.publish(v)
	x.log.Info("xclient: instance ejected", "addr", e.addr, "for", d, "failures", e.consec.Load())
}

// mayEject reports whether one more instance of v may be ejected.
func (x *XClient) mayEject(v *view) bool {
	ejected := 0
	for _, e := range v.eps {
		if e.ejected.Load() {
			ejected++
		}
	}
	limit := len(v.eps) * x.opt.MaxEjectedPercent / 100
	if limit == 0 && len(v.eps) >= 2 {
		limit = 1
	}
	return ejected < limit
}

// ejectionTime is EjectBase doubled for each recent ejection of e before
// this one, capped at EjectMax. Each EjectBase spent in balancing since the
// last return forgets one ejection; a failed trial forgets none. x.mu must
// be held.
func (x *XClient) ejectionTime(e *Endpoint, now int64) time.Duration {
	base := x.opt.EjectBase
	if e.ejections > 0 && !e.ejected.Load() {
		healthy := time.Duration(now - e.returned)
		e.ejections = max(0, e.ejections-int(healthy/base))
	}
	d := base
	for range e.ejections {
		if d >= x.opt.EjectMax {
			break
		}
		d *= 2
	}
	e.ejections++
	return min(d, x.opt.EjectMax)
}

// trial returns, acquired and marked as on trial, an instance of the view
// that is ejected or failed last, whose trial is due and that s has not
// tried; nil when there is none. Without failures it costs one atomic load.
func (x *XClient) trial(s *callState) *Endpoint {
	at := x.probeAt.Load()
	if at == noProbe || x.now() < at {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	now, next := x.now(), int64(noProbe)
	var due *Endpoint
	for _, e := range x.view.Load().eps {
		if e.probing.Load() || (!e.ejected.Load() && e.consec.Load() == 0) {
			continue
		}
		if due == nil && e.until <= now && !s.wasTried(e) && e.acquire() {
			due = e
			e.probing.Store(true)
			continue
		}
		next = min(next, e.until)
	}
	x.probeAt.Store(next)
	return due
}

// readmit ends e's successful trial, whose answer took rtt: an ejected
// instance returns to balancing. The instance behind it may be a new
// process, so its latency starts over from this answer and its peers', as
// a new instance's.
func (x *XClient) readmit(e *Endpoint, rtt time.Duration, now int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !e.probing.Load() {
		return
	}
	e.probing.Store(false)
	e.lat.reset(x.startLatency(e, rtt, now), now)
	if !e.ejected.Load() {
		return
	}
	e.ejected.Store(false)
	e.returned = x.now()
	if x.closed.Load() || e.removed.Load() {
		return
	}
	x.publish(x.view.Load())
	x.log.Info("xclient: instance returned after a trial", "addr", e.addr)
}

// startLatency is the first latency estimate of e, whose first answer took
// rtt: the mean estimate of its peers in balancing (rtt when it has none).
// Peak-EWMA estimates sit above most round trips, so starting from one
// answer alone would make e look faster than its peers and flood it; and a
// first answer carries one-time costs (a new connection, gob's type
// descriptions, a cold process), so starting from it when it is slower
// would keep e out. Its next answers correct the start: two slower ones in
// a row lift the estimate at once.
func (x *XClient) startLatency(e *Endpoint, rtt time.Duration, now int64) float64 {
	if mean := x.peersMean(e, now, (*Endpoint).estimate); mean > 0 {
		return mean
	}
	return float64(rtt)
}

// peersMean is the mean of f (an endpoint's latency estimate or its cost)
// over e's peers in balancing that have a latency estimate; zero when none
// has one.
func (x *XClient) peersMean(e *Endpoint, now int64, f func(*Endpoint, int64) float64) float64 {
	var sum float64
	n := 0
	for _, p := range x.view.Load().eps {
		if p == e || p.ejected.Load() || p.lat.value(now) == 0 {
			continue
		}
		sum += f(p, now)
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// now reads the client's clock: nanotime, or a test's.
func (x *XClient) now() int64 {
	if x.clock != nil {
		return x.clock()
	}
	return nanotime()
}
