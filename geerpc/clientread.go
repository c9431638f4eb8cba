package geerpc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/geerpclab/geerpc/geerpc/codec"
)

// Holders of a client's reading role, in Client.role.
const (
	roleBackground int8 = iota // the client's reader goroutine (receive)
	roleCaller                 // a goroutine in Client.Call, reading for its own reply
	roleVacant                 // nobody: no call is pending
)

// A caller in Client.Call that is alone on its client reads its own reply
// from the connection instead of being woken by the client's reader
// goroutine: a lone call then costs one goroutine wake-up fewer. Callers
// read only over a net.Conn (whose reads can be given a deadline) with
// the gob codec (which reads through callerInput and buffers nothing of
// its own, so that the next reply cannot wait unseen in a decoder).
//
// Who reads, at every moment: exactly one holder of the reading role, or
// nobody while no call is pending. Client.role names the holder; it
// changes only under Client.mu, in the functions below and in
// registerCall, and only its holder reads or sets the read deadline (but
// for callerInput.interrupt, which only a wait for a first byte heeds):
//   - registerCall gives a vacant role to the Call registering, or, for a
//     call made with Go or GoContext, to the reader goroutine;
//   - a caller leaves when its call is done (the role goes vacant if
//     nothing is pending, else to the reader goroutine), or when its
//     context ended while it waited for a reply (to the reader goroutine);
//   - the reader goroutine leaves the role vacant after completing a
//     Call's reply with nothing pending;
//   - a vacant role goes to the reader goroutine after readLinger, or at
//     Close, so that a connection's end is noticed while it is idle.
//
// A caller waits for a reply's first byte under a read deadline (see
// ownWait) and leaves the role when its context ends. Once a byte is
// there it reads the whole reply, which the server sends in one write,
// whatever its context does: a reply is never half-consumed by a caller
// that gives up, and a caller ends at most one reply's transfer past its
// deadline.

// readWindow is how long a reading caller polls its context before it
// watches it with context.AfterFunc (see ownWait). It bounds how late a
// cancellation is noticed by a reading caller.
const readWindow = time.Millisecond

// readLinger is how long the reading role stays vacant before the reader
// goroutine takes it to watch an idle connection.
const readLinger = 2 * time.Millisecond

// callerInput is the input of a client's codec when callers may read: a
// buffered reader over the connection whose waits for a reply's first byte
// can time out. Only the reading role's holder uses it.
type callerInput struct {
	conn net.Conn
	br   *bufio.Reader
	// interruptible is set while a caller waits for a reply's first byte:
	// only then may a read end with the deadline. Any other read that meets
	// a deadline (one a caller left set) clears it and goes on.
	interruptible bool
}

func newCallerInput(conn net.Conn) *callerInput {
	in := &callerInput{conn: conn}
	in.br = bufio.NewReaderSize(rawInput{in}, 16<<10)
	return in
}

// setWaitDeadline sets the deadline (zero: none) of a wait for a first
// byte that can be interrupted (cancellable).
func (in *callerInput) setWaitDeadline(deadline time.Time, cancellable bool) {
	if cancellable && in.br.Buffered() == 0 {
		_ = in.conn.SetReadDeadline(deadline)
	}
}

// waitFirstByte waits for a reply's first byte, consuming nothing. A wait
// that can be interrupted (cancellable) ends at the deadline set or at
// interrupt; any other ignores read deadlines.
func (in *callerInput) waitFirstByte(cancellable bool) error {
	if in.br.Buffered() > 0 {
		return nil
	}
	in.interruptible = cancellable
	_, err := in.br.Peek(1)
	in.interruptible = false
	return err
}

// interrupt ends a wait for a first byte, from another goroutine, after the
// waiter's context ended: the waiter then sees its context ended. A read
// that is not such a wait ignores it (see rawInput).
func (in *callerInput) interrupt() {
	_ = in.conn.SetReadDeadline(time.Unix(1, 0))
}

// rawInput is what the buffered reader reads: the connection, with the
// deadline rule of callerInput.
type rawInput struct{ in *callerInput }

func (r rawInput) Read(p []byte) (int, error) {
	for {
		n, err := r.in.conn.Read(p)
		if err == nil || r.in.interruptible || !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, err
		}
		_ = r.in.conn.SetReadDeadline(time.Time{})
		if n > 0 {
			return n, nil
		}
	}
}

// codecConn is what a client's codec reads and writes when callers may
// read: reads go through the callerInput, writes through the callerOutput.
type codecConn struct {
	outputConn
	in *callerInput
}

func (c codecConn) Read(p []byte) (int, error) { return c.in.br.Read(p) }

func (c codecConn) ReadByte() (byte, error) { return c.in.br.ReadByte() }

// readOwn reads replies for a caller holding the reading role until its
// call is done (true) or its context ended, when it gives the role to the
// reader goroutine and returns false with its call still pending.
func (c *Client) readOwn(ctx context.Context, call *Call) bool {
	w := newOwnWait(ctx)
	defer w.stopWatching()
	for len(call.Done) == 0 {
		// The deadline is set before the context is checked, so that an
		// interruption after the check is not undone by the setting.
		c.input.setWaitDeadline(w.deadline, w.cancellable)
		if w.ended() {
			c.handRole(roleBackground)
			return false
		}
		err := c.input.waitFirstByte(w.cancellable)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if w.timedOut(c.input) {
				c.handRole(roleBackground)
				return false
			}
			continue
		}
		if err == nil {
			_, err = c.readReply()
		}
		if err != nil {
			c.terminateCalls(err)
			return true
		}
	}
	c.handRole(roleVacant)
	return true
}

// ownWait is how a reading caller watches its context. For readWindow it
// polls it: its read deadline is the window's end, or the context's
// deadline if sooner, and its context is checked between replies. A call
// still waiting at the window's end watches its context with
// context.AfterFunc, which interrupts a wait for a first byte by moving the
// read deadline to the past; fast calls spare that cost.
type ownWait struct {
	ctx         context.Context
	deadline    time.Time   // the read deadline; zero for none
	cancellable bool        // ctx can end
	window      bool        // deadline is the window's end
	stop        func() bool // stops the AfterFunc, once set
}

// newOwnWait watches ctx. A context with a deadline can end: its Done,
// whose channel a context makes on first use, is not called.
func newOwnWait(ctx context.Context) ownWait {
	d, hasDeadline := ctx.Deadline()
	w := ownWait{ctx: ctx, cancellable: hasDeadline || ctx.Done() != nil}
	if w.cancellable {
		w.deadline, w.window = time.Now().Add(readWindow), true
		if hasDeadline && !d.After(w.deadline) {
			w.deadline, w.window = d, false
		}
	}
	return w
}

// ended reports whether the caller's context ended.
func (w *ownWait) ended() bool {
	return w.cancellable && w.ctx.Err() != nil
}

// timedOut handles a wait for a first byte that met its read deadline and
// reports whether the caller must leave: at the context's deadline, or
// when interrupted. At the window's end it starts watching the context; a
// deadline moved early by an earlier caller's late interruption is set
// again by the next wait.
func (w *ownWait) timedOut(in *callerInput) bool {
	switch {
	case w.ended():
		return true
	case !w.deadline.IsZero() && time.Now().Before(w.deadline):
		return false
	case w.window:
		w.stop = context.AfterFunc(w.ctx, in.interrupt)
		w.deadline, _ = w.ctx.Deadline()
		w.window = false
		return false
	}
	return !w.deadline.IsZero() // the context's deadline passed, its timer yet to run
}

func (w *ownWait) stopWatching() {
	if w.stop != nil {
		w.stop()
	}
}

// handRole gives up a caller's role: to want, or to the reader goroutine
// when want is roleVacant but calls are pending.
func (c *Client) handRole(want int8) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if want == roleVacant && len(c.pending) == 0 {
		c.vacateLocked()
		return
	}
	c.wakeReaderLocked()
}

// vacateLocked leaves the role vacant and makes sure the linger timer
// runs. c.mu must be held.
func (c *Client) vacateLocked() {
	c.role = roleVacant
	if !c.lingering {
		c.lingering = true
		c.linger.Reset(readLinger)
	}
}

// wakeReaderLocked gives the role to the reader goroutine. c.mu must be held.
func (c *Client) wakeReaderLocked() {
	c.role = roleBackground
	select {
	case c.wakeReader <- struct{}{}:
	default: // cannot happen: each wake-up is taken before the next role change to roleBackground
	}
}

// lingered gives a role that stayed vacant to the reader goroutine.
func (c *Client) lingered() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lingering = false
	if c.role == roleVacant && !c.shutdown {
		c.wakeReaderLocked()
	}
}

// receive is the client's reader goroutine: it reads replies whenever it
// holds the reading role, until the connection ends.
func (c *Client) receive() {
	for {
		select {
		case <-c.wakeReader:
		case <-c.closed:
			return
		}
		if err := c.readInBackground(); err != nil {
			c.terminateCalls(err)
			return
		}
	}
}

// readInBackground reads replies until the role goes vacant (nil) or the
// connection ends (its error).
func (c *Client) readInBackground() error {
	for {
		byCall, err := c.readReply()
		if err != nil {
			return err
		}
		if byCall && c.npend.Load() == 0 && c.vacateIfIdle() {
			return nil
		}
	}
}

// vacateIfIdle leaves the reader goroutine's role vacant if callers may
// read and no call is pending.
func (c *Client) vacateIfIdle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.input == nil || len(c.pending) != 0 {
		return false
	}
	c.vacateLocked()
	return true
}

// readReply reads one reply and completes its call. It reports whether
// the call was made by Client.Call, and returns an error when the stream
// is unusable.
func (c *Client) readReply() (byCall bool, err error) {
	h := &c.header
	*h = codec.Header{}
	if err = c.cc.ReadHeader(h); err != nil {
		return false, err
	}
	call := c.removeCall(h.Seq)
	switch {
	case call == nil:
		// The call timed out or was cancelled: read and drop its reply.
		return false, c.cc.ReadBody(nil)
	case h.Error != "":
		call.Error = ServerError(h.Error)
		err = c.cc.ReadBody(nil)
	default:
		if rerr := c.cc.ReadBody(call.Reply); rerr != nil {
			call.Error = fmt.Errorf("geerpc: reading reply body: %w", rerr)
			err = fatalOnly(rerr)
		}
	}
	byCall = call.byCall
	call.done()
	return byCall, err
}
