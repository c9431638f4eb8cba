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
)

// workerPool keeps a connection's handler goroutines for the next request
// instead of starting one per request: a kept goroutine has its stack
// already grown and costs no allocation to wake. Idle workers are a stack:
// the busiest are reused, and the one idle longest, at the bottom, is let
// go once it has waited idleWorkerTimeout.
type workerPool struct {
	mu     sync.Mutex // protects following
	idle   []idleWorker
	closed bool
}

type idleWorker struct {
	ch    chan *request
	since int64 // when it parked, Unix nanoseconds
}

// get returns the channel of an idle worker, or nil.
func (p *workerPool) get() chan *request {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.idle)
	if n == 0 {
		return nil
	}
	w := p.idle[n-1]
	p.idle = p.idle[:n-1]
	return w.ch
}

// put parks a worker at now; false means the worker should exit. It also
// lets go of the workers that have waited too long. A connection that gets
// no request at all keeps its workers until it closes (IdleTimeout).
func (p *workerPool) put(ch chan *request, now int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle) >= maxIdleWorkers {
		return false
	}
	expired := 0
	for expired < len(p.idle) && now-p.idle[expired].since > int64(idleWorkerTimeout) {
		close(p.idle[expired].ch)
		expired++
	}
	if expired > 0 {
		p.idle = append(p.idle[:0], p.idle[expired:]...)
	}
	p.idle = append(p.idle, idleWorker{ch: ch, since: now})
	return true
}

// close makes every idle worker exit, and every busy one when it is done.
func (p *workerPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, w := range p.idle {
		close(w.ch)
	}
	p.idle = nil
}

// dispatch runs req on an idle worker, or on a new one.
func (sc *serverConn) dispatch(req *request) {
	if ch := sc.workers.get(); ch != nil {
		ch <- req
		return
	}
	go sc.work(req)
}

// work handles req, then waits for more until the connection ends or the
// pool lets it go.
func (sc *serverConn) work(req *request) {
	ch := make(chan *request, 1)
	for req != nil {
		sc.handle(req)
		if !sc.workers.put(ch, sc.lastRead.Load()) {
			return
		}
		req = <-ch
	}
}
