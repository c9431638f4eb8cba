package geerpc

import (
	"context"
	"errors"
	"time"
)

// Interceptor runs around every call a server executes, in the goroutine
// that runs the call. It may look at or change the call, delay it, answer
// it with an error without calling next, or return ErrNoReply so that no
// reply is ever sent. next runs the method. ctx ends with the caller's
// deadline, the handle timeout or the connection, whichever comes first.
// Calls the server refuses itself (unknown method, overloaded, deadline
// already passed) do not reach it.
type Interceptor func(ctx context.Context, call *ServerCall, next func(ctx context.Context) error) error

// ServerCall is what an Interceptor knows of a call.
type ServerCall struct {
	ServiceMethod string
	Seq           uint64
	Deadline      time.Time // zero when the caller sent none
	Args          any       // the decoded arguments, as the method takes them
	Reply         any       // the pointer the method fills in
}

// ErrNoReply, returned by an Interceptor, makes the server drop the call's
// reply: the client sees nothing and ends the call at its own deadline.
var ErrNoReply = errors.New("geerpc: no reply")

// run executes req's method, through the server's Interceptor when it has one.
func (sc *serverConn) run(ctx context.Context, req *request) error {
	ic := sc.srv.opts.Interceptor
	if ic == nil {
		return req.svc.call(ctx, req.mtype, req.argv, req.replyv)
	}
	call := &ServerCall{
		ServiceMethod: req.h.ServiceMethod, Seq: req.h.Seq,
		Args: req.argv.Interface(), Reply: req.replyv.Interface(),
	}
	if req.h.Deadline != 0 {
		call.Deadline = time.Unix(0, req.h.Deadline)
	}
	return ic(ctx, call, func(ctx context.Context) error {
		return req.svc.call(ctx, req.mtype, req.argv, req.replyv)
	})
}
