package xclient

import (
	"context"
	"fmt"
)

// closedChan is a closed channel, for dialWaits that are done at once.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// client returns e's connection, dialling it when there is none or the
// cached one broke. The dial runs in its own goroutine, shared by every
// call that needs it and never under x.mu, so a slow instance stalls only
// the calls waiting for it, each until its own ctx ends.
func (x *XClient) client(ctx context.Context, e *Endpoint) (rpcClient, error) {
	if c, ok := e.cached(); ok {
		return c, nil
	}
	w := x.startDial(e)
	select {
	case <-w.done:
		return w.c, w.err
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: waiting for dial of %s: %w", errNotSent, e.addr, ctx.Err())
	}
}

// startDial returns the dial in progress for e, starting one if needed.
func (x *XClient) startDial(e *Endpoint) *dialWait {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dialing != nil {
		return e.dialing
	}
	if c, ok := e.cached(); ok {
		return &dialWait{done: closedChan, c: c}
	}
	w := &dialWait{done: make(chan struct{})}
	x.mu.Lock()
	if x.closed.Load() {
		x.mu.Unlock()
		w.done, w.err = closedChan, fmt.Errorf("%w: %w", errNotSent, ErrClosed)
		return w
	}
	x.dials.Add(1)
	x.mu.Unlock()
	e.dialing = w
	go x.dial(e, w)
	return w
}

// dial connects to e and publishes the result to its waiters.
func (x *XClient) dial(e *Endpoint, w *dialWait) {
	defer x.dials.Done()
	c, err := x.dialFn(x.ctx, e.addr)
	e.mu.Lock()
	if err == nil {
		if old := e.client.Swap(&clientBox{c: c}); old != nil {
			_ = old.c.Close()
		}
	}
	e.dialing = nil
	e.mu.Unlock()
	if err != nil {
		err = fmt.Errorf("%w: dial %s: %w", errNotSent, e.addr, err)
		x.log.Debug("xclient: dial failed", "addr", e.addr, "err", err)
	} else if e.removed.Load() && e.inflight.Load() == 0 {
		e.closeClient()
	}
	w.c, w.err = c, err
	close(w.done)
}
