package xclient

import (
	"context"
	"errors"
)

// broadcastResult is the outcome of a broadcast on one instance.
type broadcastResult struct {
	e     *Endpoint
	reply any
	err   error
}

// Broadcast invokes serviceMethod on every instance of discovery, ejected
// ones included, each once and concurrently. When every call succeeds it
// returns nil and reply holds one of the replies. When a call fails it
// cancels the others and returns a *BroadcastError that unwraps to the
// first failure and lists the instances that did succeed; reply then holds
// a success's reply if there was one.
func (x *XClient) Broadcast(ctx context.Context, serviceMethod string, args, reply any) error {
	if x.closed.Load() {
		return ErrClosed
	}
	if err := x.refresh(); err != nil {
		return err
	}
	eps := x.view.Load().eps
	if len(eps) == 0 {
		return ErrNoInstances
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan broadcastResult, len(eps))
	for _, e := range eps {
		go x.broadcastOne(ctx, e, serviceMethod, args, reply, results)
	}
	return collect(results, len(eps), reply, cancel)
}

// broadcastOne calls one instance with its own reply value.
func (x *XClient) broadcastOne(ctx context.Context, e *Endpoint, method string, args, reply any, out chan<- broadcastResult) {
	r := broadcastResult{e: e, reply: newReplyLike(reply)}
	if !e.acquire() {
		r.err = ErrInstanceGone
		out <- r
		return
	}
	defer e.release()
	r.err = x.attempt(ctx, e, method, args, r.reply)
	out <- r
}

// collect gathers n broadcast results, cancelling the rest at the first
// failure, and fills reply from the first success.
func collect(results <-chan broadcastResult, n int, reply any, cancel context.CancelFunc) error {
	var be BroadcastError
	replied := false
	for range n {
		r := <-results
		switch {
		case r.err == nil:
			be.Succeeded = append(be.Succeeded, r.e.addr)
			if !replied {
				copyReply(reply, r.reply)
				replied = true
			}
		case errors.Is(r.err, ErrInstanceGone):
			// left discovery meanwhile: no longer part of the broadcast
		case len(be.Failed) > 0 && errors.Is(r.err, context.Canceled):
			be.Cancelled++
		default:
			be.Failed = append(be.Failed, InstanceError{Addr: r.e.addr, Err: r.err})
			cancel()
		}
	}
	if len(be.Failed) == 0 {
		return nil
	}
	return &be
}
