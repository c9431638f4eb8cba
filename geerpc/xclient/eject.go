package xclient

import (
	"time"
)

// noteFailure counts a transport error or timeout of e and ejects it after
// EjectAfter in a row.
func (x *XClient) noteFailure(e *Endpoint) {
	n := e.consec.Add(1)
	if x.opt.EjectAfter > 0 && int(n) >= x.opt.EjectAfter && !e.ejected.Load() {
		x.eject(e)
	}
}

// noteSuccess ends a run of failures of e. It writes only when there was a
// run, so that busy instances do not bounce the cache line.
func noteSuccess(e *Endpoint) {
	if e.consec.Load() != 0 {
		e.consec.Store(0)
	}
}

// eject holds e out of balancing for its ejection time, unless that would
// eject more than MaxEjectedPercent of the instances.
func (x *XClient) eject(e *Endpoint) {
	x.mu.Lock()
	defer x.mu.Unlock()
	v := x.view.Load()
	if x.closed.Load() || e.ejected.Load() || v.byAddr[e.addr] != e || !x.mayEject(v) {
		return
	}
	d := x.ejectionTime(e)
	e.ejected.Store(true)
	e.timer = time.AfterFunc(d, func() { x.unEject(e) })
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

// ejectionTime is EjectBase times the number of recent ejections of e,
// capped at EjectMax. Each EjectBase spent healthy since the last return
// forgets one ejection. x.mu must be held.
func (x *XClient) ejectionTime(e *Endpoint) time.Duration {
	base := x.opt.EjectBase
	if e.ejections > 0 {
		healthy := time.Duration(nanotime() - e.returned)
		e.ejections = max(0, e.ejections-int(healthy/base))
	}
	e.ejections = min(e.ejections+1, int(x.opt.EjectMax/base)+1)
	return min(base*time.Duration(e.ejections), x.opt.EjectMax)
}

// unEject returns e to balancing when its ejection time is over.
func (x *XClient) unEject(e *Endpoint) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !e.ejected.Load() {
		return
	}
	e.ejected.Store(false)
	e.timer, e.returned = nil, nanotime()
	e.consec.Store(0)
	if x.closed.Load() || e.removed.Load() {
		return
	}
	x.publish(x.view.Load())
	x.log.Info("xclient: instance returned", "addr", e.addr)
}

// stopEjection cancels e's pending return; x.mu must be held.
func stopEjection(e *Endpoint) {
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
}
