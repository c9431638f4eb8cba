package geerpc

import (
	"sync"
	"time"
)

// Bounds of the handler goroutines a connection keeps waiting.
const (
	maxIdleWorkers = 1024
	// idleWorkerTimeout is how long a worker may wait unused before it is
	// let go, so that a burst does not leave its goroutines behind.
	idleWorkerTimeout = 2 * time.Second
	// maxWaking bounds the workers woken that have not run yet. Measured on
	// the 10,000-in-flight Echo: 1 and 4 cost 30% more CPU per call than 64;
	// 64, 256 and 1024 were alike.
	maxWaking = 64
)

// workerPool runs a connection's requests on handler goroutines that it
// keeps for the next request instead of starting one per request: a kept
// goroutine has its stack already grown and costs no allocation to wake.
//
// Requests wait in a queue. The pool keeps at most maxWaking workers woken
// and not yet running; a worker that takes a request wakes another before
// running it if more wait, and a worker done with one takes the next before
// parking. So a handler that blocks never holds up the queue, yet a burst of
// quick requests is worked through by the goroutines the scheduler actually
// runs, instead of one new goroutine per request of the burst (10,000 calls
// in flight used to start thousands).
//
// Idle workers are a stack: the busiest are reused, and those at the
// bottom are let go once they have waited idleWorkerTimeout, by a timer
// that runs only while workers wait.
type workerPool struct {
	mu      sync.Mutex // protects following
	queue   []*request
	head    int // queue[head:] wait
	waking  int // workers woken that have not yet taken a request
	idle    []idleWorker
	closed  bool
	reaper  *time.Timer // lets go of workers idle too long; armed while any wait
	armed   bool
	spawned int          // goroutines started, for tests
	now     func() int64 // the clock, Unix nanoseconds; nil means time.Now
}

type idleWorker struct {
	ch    chan struct{}
	since int64 // when it parked, Unix nanoseconds
}

// push queues req and returns the worker to wake for it: an idle one's
// channel, or nil with start true for a new goroutine.
func (p *workerPool) push(req *request) (ch chan struct{}, start bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queue = append(p.queue, req)
	return p.wakeLocked()
}

// wakeLocked claims one of the maxWaking woken-worker slots if one is free.
// p.mu must be held.
func (p *workerPool) wakeLocked() (chan struct{}, bool) {
	if p.waking >= maxWaking {
		return nil, false
	}
	p.waking++
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		return w.ch, true
	}
	p.spawned++
	return nil, true
}

// next hands a ready worker the next request. woken says that the worker
// was the one woken. With no request waiting it parks ch and returns nil;
// exit then says that the worker should end instead.
func (p *workerPool) next(ch chan struct{}, woken bool) (req *request, wake chan struct{}, start, exit bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if woken {
		p.waking--
	}
	if p.head == len(p.queue) {
		return nil, nil, false, !p.park(ch)
	}
	req = p.queue[p.head]
	p.queue[p.head] = nil
	p.head++
	if p.head == len(p.queue) {
		p.queue, p.head = p.queue[:0], 0
		if cap(p.queue) > maxIdleWorkers {
			p.queue = nil // a burst's queue goes with it
		}
	} else {
		wake, start = p.wakeLocked()
	}
	return req, wake, start, false
}

// park adds ch to the idle workers; false means the worker should exit.
// p.mu must be held.
func (p *workerPool) park(ch chan struct{}) bool {
	if p.closed || len(p.idle) >= maxIdleWorkers {
		return false
	}
	now := p.clock()
	p.expire(now)
	p.idle = append(p.idle, idleWorker{ch: ch, since: now})
	if !p.armed {
		p.armed = true
		p.arm(idleWorkerTimeout)
	}
	return true
}

func (p *workerPool) clock() int64 {
	if p.now != nil {
		return p.now()
	}
	return time.Now().UnixNano()
}

// expire lets go of the workers that have waited too long at now. p.mu must
// be held.
func (p *workerPool) expire(now int64) {
	n := 0
	for n < len(p.idle) && now-p.idle[n].since >= int64(idleWorkerTimeout) {
		close(p.idle[n].ch)
		n++
	}
	if n > 0 {
		p.idle = append(p.idle[:0], p.idle[n:]...)
	}
}

// arm sets the reaper to run after d. p.mu must be held.
func (p *workerPool) arm(d time.Duration) {
	if p.reaper == nil {
		p.reaper = time.AfterFunc(d, p.reap)
		return
	}
	p.reaper.Reset(d)
}

// reap lets go of the workers idle too long, so that a connection quiet
// after a burst does not keep its goroutines, and rearms for the next one.
func (p *workerPool) reap() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	now := p.clock()
	p.expire(now)
	if len(p.idle) == 0 {
		p.armed = false
		return
	}
	p.arm(time.Duration(p.idle[0].since + int64(idleWorkerTimeout) - now))
}

// close makes every idle worker exit, and every busy one once the queue
// is empty.
func (p *workerPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.reaper != nil {
		p.reaper.Stop()
	}
	for _, w := range p.idle {
		close(w.ch)
	}
	p.idle = nil
}

// dispatch queues req for a worker.
func (sc *serverConn) dispatch(req *request) {
	sc.wake(sc.workers.push(req))
}

// wake wakes the idle worker waiting on ch, or starts a new one.
func (sc *serverConn) wake(ch chan struct{}, start bool) {
	switch {
	case ch != nil:
		ch <- struct{}{}
	case start:
		go sc.work(make(chan struct{}, 1))
	}
}

// work handles queued requests, then waits to be woken for more until the
// connection ends or the pool lets it go.
func (sc *serverConn) work(ch chan struct{}) {
	woken := true
	for {
		req, wake, start, exit := sc.workers.next(ch, woken)
		if exit {
			return
		}
		if req == nil {
			if _, open := <-ch; !open {
				return
			}
			woken = true
			continue
		}
		woken = false
		sc.wake(wake, start)
		sc.handle(req)
	}
}
