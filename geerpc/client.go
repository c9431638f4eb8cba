package geerpc

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geerpclab/geerpc/geerpc/codec"
)

// Call represents an active RPC.
type Call struct {
	Seq           uint64
	ServiceMethod string     // format "<service>.<method>"
	Args          any        // arguments to the function
	Reply         any        // reply from the function
	Error         error      // after completion, the error status
	Done          chan *Call // receives the call when it is complete
	// Sent reports whether the request was handed to the connection. A call
	// that ends with Sent false was surely not executed.
	Sent   bool
	h      codec.Header // the request header, kept here to spare an allocation
	stop   func() bool  // stops watching the call's context
	byCall bool         // made by Client.Call, whose caller waits for it
}

// done signals completion without ever blocking the caller: like net/rpc,
// a full Done channel drops the signal (the channel's capacity is the
// caller's choice).
func (call *Call) done() {
	if call.stop != nil {
		call.stop()
	}
	select {
	case call.Done <- call:
	default:
	}
}

// Client is a GeeRPC client. Many goroutines may use one Client at once.
type Client struct {
	cc         codec.Codec
	opt        Option
	w          *msgWriter
	closed     chan struct{} // closed when the client can no longer call
	npend      atomic.Int32  // calls in the pending table, read without the lock
	maxPending int
	input      *callerInput  // nil when callers never read (see clientread.go)
	wakeReader chan struct{} // gives the reading role to receive
	linger     *time.Timer   // gives a vacant reading role to receive
	header     codec.Header  // the reply header being read, owned by the reading role

	mu        sync.Mutex // protects following
	seq       uint64
	pending   map[uint64]*Call
	peak      int  // most calls pending since the map was made
	role      int8 // who reads (see clientread.go)
	lingering bool // linger is running
	closing   bool // user has called Close
	shutdown  bool // the connection broke
	err       error
}

var _ io.Closer = (*Client)(nil)

// Close closes the connection. Pending calls fail with ErrShutdown.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return ErrShutdown
	}
	c.closing = true
	if c.role == roleVacant {
		c.wakeReaderLocked() // to see the connection end
	}
	c.mu.Unlock()
	return c.cc.Close()
}

// IsAvailable reports whether the client can still make calls.
func (c *Client) IsAvailable() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.shutdown && !c.closing
}

// Closed returns a channel that is closed when the client can no longer
// make calls, because of Close or a broken connection.
func (c *Client) Closed() <-chan struct{} { return c.closed }

// registerCall publishes call in the pending table, or refuses it: on a
// closed client with ErrShutdown itself, as net/rpc does, and for a context
// that already ended or a full table with an error wrapping ErrNotSent.
// Every field another goroutine reads is written here, under the lock
// that publishes the call: from then on the call may be completed, and
// read, by the reader, a cancellation or terminateCalls. A vacant reading
// role goes to the caller of Client.Call (reads), who then holds it, or
// to the reader goroutine.
func (c *Client) registerCall(ctx context.Context, call *Call, reads bool) (holds bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closing || c.shutdown:
		return false, ErrShutdown
	case ctx.Err() != nil:
		return false, fmt.Errorf("%w: %w", ErrNotSent, callContextError(ctx))
	case len(c.pending) >= c.maxPending:
		return false, fmt.Errorf("%w: %w (%d)", ErrNotSent, ErrTooManyPending, c.maxPending)
	}
	c.seq++
	call.Seq = c.seq
	call.h.ServiceMethod, call.h.Seq = call.ServiceMethod, call.Seq
	call.Sent = true
	c.pending[call.Seq] = call
	c.peak = max(c.peak, len(c.pending))
	c.npend.Add(1)
	if c.role != roleVacant {
		return false, nil
	}
	if reads {
		c.role = roleCaller
		return true, nil
	}
	c.wakeReaderLocked()
	return false, nil
}

func (c *Client) removeCall(seq uint64) *Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	call := c.pending[seq]
	if call != nil {
		c.deleteLocked(seq)
	}
	return call
}

// deleteLocked removes a pending call. A Go map never shrinks, so once a
// burst is over (nothing pending) a map grown past shrinkAfter is made
// anew. c.mu must be held.
func (c *Client) deleteLocked(seq uint64) {
	delete(c.pending, seq)
	c.npend.Add(-1)
	if len(c.pending) == 0 && c.peak > shrinkAfter {
		c.pending, c.peak = make(map[uint64]*Call), 0
	}
}

// shrinkAfter is the size past which an empty pending table is remade.
const shrinkAfter = 1024

// terminateCalls fails every pending call once the connection broke.
// Only the reading role's holder calls it.
func (c *Client) terminateCalls(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shutdown {
		return
	}
	c.linger.Stop()
	c.shutdown = true
	c.err = err
	close(c.closed)
	callErr := fmt.Errorf("%w: %w", ErrShutdown, err)
	for seq, call := range c.pending {
		delete(c.pending, seq)
		c.npend.Add(-1)
		call.Error = callErr
		call.done()
	}
}

// fatalOnly keeps err when the stream is unusable after it, else nil.
func fatalOnly(err error) error {
	if fatalReadError(err) {
		return err
	}
	return nil
}

// send registers and writes one call; a call refused or not written is
// completed here. It reports whether the caller holds the reading role,
// which only a Call that reads (reads) may get.
func (c *Client) send(ctx context.Context, call *Call, reads bool) bool {
	holds, err := c.registerCall(ctx, call, reads)
	if err != nil {
		call.Error = err
		call.done()
		return false
	}
	if err := c.w.write(&call.h, call.Args, c.npend.Load() > 1); err != nil {
		if c.removeCall(call.Seq) != nil { // still ours: nobody completed it
			call.Sent = false
			call.Error = fmt.Errorf("%w: %w: %w", ErrNotSent, ErrShutdown, err)
			call.done()
		}
		_ = c.cc.Close()
		if holds {
			c.handRole(roleBackground) // to see the connection end
		}
		return false
	}
	return holds
}

// Go invokes the function asynchronously. It returns the Call structure
// representing the invocation. The done channel signals when the call is
// complete; if nil, Go allocates a new one; if not nil, it must be buffered
// or Go panics.
func (c *Client) Go(serviceMethod string, args, reply any, done chan *Call) *Call {
	return c.GoContext(context.Background(), serviceMethod, args, reply, done)
}

// GoContext is like Go but sends ctx's deadline to the server and ends the
// call with ctx's error when ctx ends first; a late reply is discarded.
func (c *Client) GoContext(ctx context.Context, serviceMethod string, args, reply any, done chan *Call) *Call {
	call := newCall(ctx, serviceMethod, args, reply, done)
	if ctx.Done() != nil {
		// If ctx ends before the call is registered, registerCall refuses
		// it; after, cancelCall finds it pending. Both hold c.mu.
		call.stop = context.AfterFunc(ctx, func() { c.cancelCall(ctx, call) })
	}
	c.send(ctx, call, false)
	return call
}

func newCall(ctx context.Context, serviceMethod string, args, reply any, done chan *Call) *Call {
	if done == nil {
		done = make(chan *Call, 1)
	} else if cap(done) == 0 {
		panic("geerpc: done channel is unbuffered")
	}
	call := &Call{ServiceMethod: serviceMethod, Args: args, Reply: reply, Done: done}
	call.setDeadline(ctx)
	return call
}

func (call *Call) setDeadline(ctx context.Context) {
	if d, ok := ctx.Deadline(); ok {
		call.h.Deadline = d.UnixNano()
	}
}

// callPool recycles the calls of Client.Call, which never escape it.
var callPool = sync.Pool{New: func() any { return &Call{Done: make(chan *Call, 1)} }}

func getCall(ctx context.Context, serviceMethod string, args, reply any) *Call {
	call := callPool.Get().(*Call)
	call.ServiceMethod, call.Args, call.Reply = serviceMethod, args, reply
	call.byCall = true
	call.setDeadline(ctx)
	return call
}

func putCall(call *Call) {
	*call = Call{Done: call.Done}
	callPool.Put(call)
}

// cancelCall ends a pending call with its context's error.
func (c *Client) cancelCall(ctx context.Context, call *Call) {
	c.mu.Lock()
	pending := call.Seq != 0 && c.pending[call.Seq] == call
	if pending {
		c.deleteLocked(call.Seq)
	}
	c.mu.Unlock()
	if pending {
		call.Error = callContextError(ctx)
		call.done()
	}
}

// callContextError wraps ctx's error so that errors.Is finds
// context.DeadlineExceeded or context.Canceled.
func callContextError(ctx context.Context) error {
	return fmt.Errorf("geerpc: call failed: %w", ctx.Err())
}

// Call invokes the named function, waits for it to complete, and returns
// its error status. Like GoContext, it sends nothing for a context that has
// already ended (the error wraps ErrNotSent and ctx's error); when ctx ends
// first, the call is abandoned and its error wraps ctx's error.
func (c *Client) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	call := getCall(ctx, serviceMethod, args, reply)
	defer putCall(call)
	if c.send(ctx, call, c.input != nil) && c.readOwn(ctx, call) {
		<-call.Done
		return call.Error
	}
	ctxDone := ctx.Done()
	if ctxDone == nil {
		<-call.Done
		return call.Error
	}
	select {
	case <-call.Done:
		return call.Error
	case <-ctxDone:
		if c.removeCall(call.Seq) == nil {
			// The reply is being read into reply right now: wait for it.
			<-call.Done
			return call.Error
		}
		return callContextError(ctx)
	}
}

// NewClient makes a client over conn: it sends the Option, then starts
// reading replies.
func NewClient(conn net.Conn, opt *Option) (*Client, error) {
	o, err := parseOptions(opt)
	if err != nil {
		return nil, err
	}
	return newClient(conn, o, time.Time{})
}

func newClient(conn net.Conn, opt Option, deadline time.Time) (*Client, error) {
	if !opt.NetRPC {
		if err := checkOption(&opt); err != nil {
			_ = conn.Close()
			return nil, err
		}
		_ = conn.SetWriteDeadline(deadline)
		if err := writeOption(conn, &opt); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("geerpc: sending options: %w", err)
		}
		_ = conn.SetWriteDeadline(time.Time{})
	}
	c := &Client{
		opt: opt, closed: make(chan struct{}), wakeReader: make(chan struct{}, 1),
		pending: make(map[uint64]*Call), maxPending: limitOr(opt.MaxPending, 65_536),
	}
	out := outputConn{Conn: conn, out: newCallerOutput(conn)}
	var rwc io.ReadWriteCloser = out
	if callersMayRead(conn, opt) {
		c.input = newCallerInput(conn)
		rwc = codecConn{outputConn: out, in: c.input}
	}
	c.cc = codec.New(opt.CodecType, rwc, codec.Options{MaxMessageSize: opt.MaxMessageSize})
	c.w = newMsgWriter(c.cc)
	c.w.limit = out.out.limit
	c.linger = time.AfterFunc(time.Hour, c.lingered)
	c.linger.Stop()
	c.wakeReaderLocked() // the reader goroutine reads first
	go c.receive()
	return c, nil
}

// callersMayRead reports whether callers can read their own replies on
// conn with the codec of opt (see clientread.go).
func callersMayRead(conn net.Conn, opt Option) bool {
	return opt.CodecType == codec.GobType && conn.SetReadDeadline(time.Time{}) == nil
}
