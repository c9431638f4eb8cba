package geerpc

import "sync"

// maxIdleWorkers bounds the handler goroutines a connection keeps waiting.
const maxIdleWorkers = 1024

// workerPool keeps a connection's handler goroutines for the next request
// instead of starting one per request: a kept goroutine has its stack
// already grown and costs no allocation to wake.
type workerPool struct {
	mu     sync.Mutex // protects following
	idle   []chan *request
	closed bool
}

// get returns the channel of an idle worker, or nil.
func (p *workerPool) get() chan *request {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.idle)
	if n == 0 {
		return nil
	}
	ch := p.idle[n-1]
	p.idle = p.idle[:n-1]
	return ch
}

// put parks a worker; false means the worker should exit.
func (p *workerPool) put(ch chan *request) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle) >= maxIdleWorkers {
		return false
	}
	p.idle = append(p.idle, ch)
	return true
}

// close makes every idle worker exit, and every busy one when it is done.
func (p *workerPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, ch := range p.idle {
		close(ch)
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

// work handles req, then waits for more until the connection ends.
func (sc *serverConn) work(req *request) {
	ch := make(chan *request, 1)
	for req != nil {
		sc.handle(req)
		if !sc.workers.put(ch) {
			return
		}
		req = <-ch
	}
}
