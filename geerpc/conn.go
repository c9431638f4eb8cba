package geerpc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geerpclab/geerpc/geerpc/codec"
)

// invalidRequest is the body of an error reply.
var invalidRequest = struct{}{}

// serverConn is the server side of one connection.
type serverConn struct {
	srv       *Server
	rwc       io.ReadWriteCloser
	cc        codec.Codec
	w         *msgWriter
	opt       Option
	ctx       context.Context // ends when the connection closes
	cancel    context.CancelFunc
	stopping  atomic.Bool // no new requests are read
	handlers  sync.WaitGroup
	inflight  atomic.Int32               // requests read and not yet answered
	lastRead  atomic.Int64               // when the last request was read, Unix nanoseconds
	idle      atomic.Pointer[time.Timer] // closes the connection when idle too long
	workers   workerPool
	once      sync.Once
	closed    chan struct{}
	role      atomic.Int32  // who reads: see inline.go
	handoff   *time.Timer   // hands the reading role on from a long inline request
	readEnded chan struct{} // closed when reading ends on a goroutine serve does not run on
	input     *bufio.Reader // what the codec reads through, if it buffers nothing else; owned by the reading role
}

// request is one call in progress.
type request struct {
	h       codec.Header
	svc     *service
	mtype   *methodType
	argv    reflect.Value
	replyv  reflect.Value
	start   time.Time
	replied atomic.Bool // set by whoever sends the one reply
	body    any         // the reply's body, once replied
	recycle bool        // the writer recycles req once the reply is encoded
}

func (req *request) message() (*codec.Header, any) { return &req.h, req.body }

// sent recycles req if its owner gave it up.
func (req *request) sent() {
	if req.recycle {
		putRequest(req)
	}
}

func newServerConn(s *Server, rwc io.ReadWriteCloser) *serverConn {
	ctx, cancel := context.WithCancel(context.Background())
	sc := &serverConn{srv: s, rwc: rwc, ctx: ctx, cancel: cancel, closed: make(chan struct{}), readEnded: make(chan struct{})}
	sc.handoff = time.AfterFunc(time.Hour, sc.handOff)
	sc.handoff.Stop()
	return sc
}

// stopReading makes the read loop end after the request it is reading.
func (sc *serverConn) stopReading() {
	sc.stopping.Store(true)
	if c, ok := sc.rwc.(net.Conn); ok {
		_ = c.SetReadDeadline(time.Now())
		return
	}
	sc.close()
}

// close closes the connection at once.
func (sc *serverConn) close() {
	sc.once.Do(func() {
		if t := sc.idle.Load(); t != nil {
			t.Stop()
		}
		close(sc.closed)
		sc.cancel()
		_ = sc.rwc.Close()
	})
}

// setReadDeadline sets a read deadline when the connection has one, then
// reports whether reading should go on.
func (sc *serverConn) setReadDeadline(t time.Time) bool {
	if c, ok := sc.rwc.(net.Conn); ok {
		_ = c.SetReadDeadline(t)
	}
	return !sc.stopping.Load()
}

// handshake reads the preamble and picks the codec.
func (sc *serverConn) handshake() error {
	var deadline time.Time
	if d := sc.srv.opts.HandshakeTimeout; d > 0 {
		deadline = time.Now().Add(d)
	}
	if !sc.setReadDeadline(deadline) {
		return ErrServerClosed
	}
	br := bufio.NewReaderSize(sc.rwc, 16<<10)
	cc, opt, err := sniff(br, sc.rwc, sc.codecOptions())
	if err != nil {
		return err
	}
	sc.cc, sc.opt, sc.w = cc, opt, newMsgWriter(cc)
	if _, ok := cc.(*codec.GobCodec); ok {
		sc.input = br // the gob codec reads through br and keeps nothing of its own
	}
	if !sc.setReadDeadline(time.Time{}) {
		return ErrServerClosed
	}
	sc.startIdleTimer()
	return nil
}

func (sc *serverConn) codecOptions() codec.Options {
	return codec.Options{MaxMessageSize: sc.srv.opts.MaxMessageSize}
}

// serve reads requests and runs them until the connection ends, then waits
// for the replies in flight.
func (sc *serverConn) serve() {
	if !sc.read() {
		<-sc.readEnded // the reading role went on to another goroutine
	}
	sc.handoff.Stop()
	sc.readingEnded()
	sc.workers.close()
	sc.drain()
	sc.close()
}

// readingEnded ends the contexts of the calls in flight, as documented,
// when the client is gone (rather than the server stopping).
func (sc *serverConn) readingEnded() {
	if !sc.stopping.Load() {
		sc.cancel()
	}
}

// read reads requests and runs a lone one itself (see inline.go), or hands
// each to a worker, until the connection ends (true) or it gave the
// reading role on to another goroutine (false).
func (sc *serverConn) read() bool {
	for {
		req, err := sc.readRequest()
		if req == nil {
			if err != nil && !errors.Is(err, io.EOF) && !sc.stopping.Load() {
				sc.srv.opts.Logger.Info("geerpc: closing connection", "reason", err)
			}
			return true
		}
		sc.handlers.Add(1)
		n := sc.inflight.Add(1)
		total := sc.srv.inflight.Add(1)
		switch {
		case err == nil && (n > int32(sc.srv.opts.MaxRequestsPerConn) || total > int64(sc.srv.opts.MaxRequests)):
			sc.replyAndRecycle(req, ErrOverloaded)
		case err != nil:
			sc.replyAndRecycle(req, err)
		case req.h.Deadline != 0 && req.start.UnixNano() >= req.h.Deadline:
			sc.replyAndRecycle(req, ErrDeadlinePassed)
		case n == 1 && sc.inputDrained():
			if !sc.runInline(req) {
				return false
			}
		default:
			sc.dispatch(req)
		}
	}
}

func (sc *serverConn) drain() {
	done := make(chan struct{})
	go func() { sc.handlers.Wait(); close(done) }()
	select {
	case <-done:
	case <-sc.closed:
	}
}

// readRequest reads one request. A nil request means the connection must
// close; a request with an error gets an error reply.
func (sc *serverConn) readRequest() (*request, error) {
	req := getRequest()
	if err := sc.cc.ReadHeader(&req.h); err != nil {
		putRequest(req)
		return nil, err
	}
	req.start = time.Now()
	sc.lastRead.Store(req.start.UnixNano())
	var err error
	req.svc, req.mtype, err = sc.srv.findService(req.h.ServiceMethod)
	if err != nil {
		if derr := sc.cc.ReadBody(nil); fatalReadError(derr) {
			putRequest(req)
			return nil, derr
		}
		return req, err
	}
	req.argv, req.replyv = req.mtype.newArgv(), req.mtype.newReplyv()
	argvi := req.argv.Interface()
	if !req.mtype.argIsPtr {
		argvi = req.argv.Addr().Interface()
	}
	if err := sc.cc.ReadBody(argvi); err != nil {
		if fatalReadError(err) {
			putRequest(req)
			return nil, err
		}
		return req, fmt.Errorf("rpc server: read argv err: %v", err)
	}
	return req, nil
}

// fatalReadError reports whether err leaves the stream unusable.
func fatalReadError(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, codec.ErrMessageTooLarge) || errors.Is(err, net.ErrClosed) || errors.As(err, &ne)
}

// handle runs one request and replies, or answers a handle timeout first.
// A request whose deadline passed while it waited for a worker (on a busy
// machine the wait is a scheduling delay, which can be long) is answered
// ErrDeadlinePassed without running: its caller has given up on it.
func (sc *serverConn) handle(req *request) {
	if req.h.Deadline != 0 && time.Now().UnixNano() >= req.h.Deadline {
		sc.replyAndRecycle(req, ErrDeadlinePassed)
		return
	}
	ctx, cancel := sc.callContext(req)
	if cancel != nil {
		defer cancel()
	}
	d := sc.opt.HandleTimeout
	if d <= 0 {
		sc.replyAndRecycle(req, sc.run(ctx, req))
		return
	}
	// The timer may still hold req after we return: req is not reused.
	t := time.AfterFunc(d, func() { sc.reply(req, handleTimeoutError(d)) })
	defer t.Stop()
	err := sc.run(ctx, req)
	if errors.Is(err, context.DeadlineExceeded) && time.Since(req.start) >= d {
		err = handleTimeoutError(d)
	}
	sc.reply(req, err)
}

func handleTimeoutError(d time.Duration) error {
	return fmt.Errorf("%s: expect within %s", handleTimeoutPrefix, d)
}

// callContext is the context a context-aware method gets: it ends with the
// connection, the caller's deadline or the handle timeout.
func (sc *serverConn) callContext(req *request) (context.Context, context.CancelFunc) {
	if !req.mtype.withCtx && sc.srv.opts.Interceptor == nil {
		return sc.ctx, nil
	}
	deadline, ok := time.Time{}, false
	if req.h.Deadline != 0 {
		deadline, ok = time.Unix(0, req.h.Deadline), true
	}
	if d := sc.opt.HandleTimeout; d > 0 {
		if hd := req.start.Add(d); !ok || hd.Before(deadline) {
			deadline, ok = hd, true
		}
	}
	if !ok {
		return sc.ctx, nil
	}
	return context.WithDeadline(sc.ctx, deadline)
}

// replyAndRecycle replies to req, which nothing else refers to, and gives
// it up: it is recycled once its reply is encoded.
func (sc *serverConn) replyAndRecycle(req *request, err error) {
	req.recycle = true
	sc.reply(req, err)
}

// reply sends the one reply of req: its result, or err. ErrNoReply from
// an Interceptor ends the call without a reply.
func (sc *serverConn) reply(req *request, err error) {
	if !req.replied.CompareAndSwap(false, true) {
		return
	}
	defer sc.handlers.Done()
	if errors.Is(err, ErrNoReply) {
		sc.recordAndRelease(req, err)
		req.sent()
		return
	}
	req.h.Deadline = 0 // the request's header becomes the reply's
	req.body = invalidRequest
	if err != nil {
		req.h.Error = err.Error()
	} else {
		req.body = req.replyv.Interface()
	}
	batch := sc.recordAndRelease(req, err)
	if werr := sc.w.enqueue(req, batch); werr != nil {
		sc.srv.opts.Logger.Info("geerpc: closing connection", "reason", werr)
		sc.close()
	}
}

// recordAndRelease counts req's outcome and ends it in the in-flight
// counts; it reports whether other calls of the connection are in flight.
func (sc *serverConn) recordAndRelease(req *request, err error) bool {
	if req.mtype != nil {
		req.mtype.stats.record(time.Since(req.start), err != nil)
	}
	sc.srv.inflight.Add(-1)
	return sc.inflight.Add(-1) > 0
}

var requestPool = sync.Pool{New: func() any { return new(request) }}

func getRequest() *request { return requestPool.Get().(*request) }

// putRequest recycles req once nothing refers to it any more.
func putRequest(req *request) {
	*req = request{}
	requestPool.Put(req)
}
