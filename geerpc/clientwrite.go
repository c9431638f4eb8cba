package geerpc

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// A call's request is written by its caller, under the writer's lock,
// before the caller watches its context; a peer that stops reading blocks
// that write. So that such a call still ends at its deadline, a client
// writes through callerOutput: a write that its call's deadline ends hands
// the bytes left to a goroutine that goes on writing them, and returns as
// if written. The frame stream stays whole (every later write waits for
// those bytes, or hands its own on behind them), the caller returns at
// its deadline, and the call's late reply is dropped like any other. The
// bytes handed on are bounded by maxBacklog; past it the connection
// closes. A caller waiting for the writer's lock behind a write that has
// no deadline waits until that write ends. TLS connections, whose state a
// write timeout corrupts, write without deadlines.

// maxBacklog bounds the bytes a client's callers may leave to be written.
const maxBacklog = 4 << 20

// errBacklog is the write error of a client whose peer let maxBacklog
// bytes of requests pile up unread past their deadlines.
var errBacklog = fmt.Errorf("geerpc: %d bytes of requests past their deadlines wait for the peer to read them", maxBacklog)

// callerOutput is where a client's codec writes: the connection, each
// write ending at the deadline of the call being written, if it has one.
type callerOutput struct {
	conn      net.Conn
	deadlines bool // conn's writes may be given deadlines
	// deadline is the deadline of the call being written; zero for none.
	// Owned by the holder of the writer's lock (msgWriter.mu).
	deadline time.Time

	mu      sync.Mutex // protects following
	set     time.Time  // the write deadline set on conn; zero for none
	backlog []byte     // bytes handed on, still to be written
	drained chan struct{}
	err     error // the handed-on write's error, sticky
}

func newCallerOutput(conn net.Conn) *callerOutput {
	_, isTLS := conn.(*tls.Conn)
	return &callerOutput{conn: conn, deadlines: !isTLS}
}

// limit makes the writes that follow end at deadline (Unix nanoseconds;
// zero for none). Only the holder of the writer's lock calls it.
func (o *callerOutput) limit(deadline int64) {
	o.deadline = time.Time{}
	if deadline != 0 && o.deadlines {
		o.deadline = time.Unix(0, deadline)
	}
}

// Write writes p, or hands what is left of it on when the deadline of the
// call being written passes; only the holder of the writer's lock calls it.
func (o *callerOutput) Write(p []byte) (int, error) {
	if handed, err := o.behindBacklog(p); handed || err != nil {
		return len(p), err
	}
	written := 0
	for {
		n, err := o.conn.Write(p[written:])
		written += n
		if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
			return written, err
		}
		if !o.deadline.IsZero() && !time.Now().Before(o.deadline) {
			return len(p), o.handOn(p[written:])
		}
		o.mu.Lock()
		o.setDeadlineLocked() // the deadline met was an earlier call's
		o.mu.Unlock()
	}
}

// behindBacklog waits for bytes handed on earlier to be written, or, if
// the call's deadline passes first, hands p on behind them (handed). Then
// it sets the call's write deadline on the connection. A later deadline
// than the one set is set only once a write meets the earlier one, so
// calls with growing deadlines cost one change, not one per call.
func (o *callerOutput) behindBacklog(p []byte) (handed bool, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for o.drained != nil && o.err == nil {
		if !o.waitDrainedLocked() {
			return true, o.appendLocked(p)
		}
	}
	if o.err != nil {
		return false, o.err
	}
	if !o.deadline.IsZero() && (o.set.IsZero() || o.deadline.Before(o.set)) {
		o.setDeadlineLocked()
	}
	return false, nil
}

// waitDrainedLocked waits, with o.mu released, until the bytes handed on
// are written (true) or the call's deadline passes (false).
func (o *callerOutput) waitDrainedLocked() bool {
	drained := o.drained
	o.mu.Unlock()
	defer o.mu.Lock()
	if o.deadline.IsZero() {
		<-drained
		return true
	}
	t := time.NewTimer(time.Until(o.deadline))
	defer t.Stop()
	select {
	case <-drained:
		return true
	case <-t.C:
		return false
	}
}

func (o *callerOutput) setDeadlineLocked() {
	_ = o.conn.SetWriteDeadline(o.deadline)
	o.set = o.deadline
}

// handOn starts a goroutine writing rest, which the caller leaves.
func (o *callerOutput) handOn(rest []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.appendLocked(rest); err != nil {
		return err
	}
	_ = o.conn.SetWriteDeadline(time.Time{})
	o.set = time.Time{}
	o.drained = make(chan struct{})
	go o.writeBacklog(o.drained)
	return nil
}

// appendLocked hands p on, behind the bytes already handed on.
func (o *callerOutput) appendLocked(p []byte) error {
	if len(o.backlog)+len(p) > maxBacklog {
		o.err = errBacklog
		return o.err
	}
	o.backlog = append(o.backlog, p...)
	return nil
}

// writeBacklog writes the bytes handed on until none is left or a write
// fails (Close makes it fail), then closes drained. No deadline is set
// while it runs: writers wait for it, or hand their bytes on.
func (o *callerOutput) writeBacklog(drained chan struct{}) {
	var buf []byte
	for {
		o.mu.Lock()
		buf, o.backlog = o.backlog, buf[:0]
		if len(buf) == 0 || o.err != nil {
			o.drained = nil
			o.mu.Unlock()
			close(drained)
			return
		}
		o.mu.Unlock()
		if _, err := o.conn.Write(buf); err != nil {
			o.mu.Lock()
			o.err = err
			o.mu.Unlock()
		}
	}
}

// outputConn is what a client's codec reads and writes when callers do
// not read: writes go through the callerOutput.
type outputConn struct {
	net.Conn
	out *callerOutput
}

func (c outputConn) Write(p []byte) (int, error) { return c.out.Write(p) }
