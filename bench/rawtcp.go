package bench

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/geerpclab/geerpc/demo"
)

// TCPCeiling is the ceiling of what the machine can do: a raw pipelined echo
// over one TCP connection. A request is a length-prefixed frame of the
// nonce and the payload; the server writes every frame back as it reads it,
// flushing when its input runs dry, and the client matches replies to calls
// in order. No codec, no headers, no per-call goroutine on the server.
var TCPCeiling = newPeer("tcp-ceiling", func(ctx context.Context) (Caller, func(), error) {
	conn, stop, err := dialEcho(ctx)
	if err != nil {
		return nil, nil, err
	}
	c := newPipeClient(conn)
	return c, func() { c.close(); stop() }, nil
})

// dialEcho starts a raw echo server on loopback and connects to it; stop
// closes the listener and waits for the server, once the caller closed conn.
func dialEcho(ctx context.Context) (conn net.Conn, stop func(), err error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	srvDone := make(chan struct{})
	go func() { defer close(srvDone); serveEcho(lis) }()
	stop = func() { _ = lis.Close(); <-srvDone }
	var d net.Dialer
	if conn, err = d.DialContext(ctx, "tcp", lis.Addr().String()); err != nil {
		stop()
		return nil, nil, err
	}
	return conn, stop, nil
}

// TCPFloor is the floor of one caller's latency: a raw echo over one TCP
// connection in which the caller writes its frame and reads the reply on
// its own goroutine, so that a call costs two goroutine wake-ups, the
// server's and the caller's. No codec, no header, no handoff. Callers take
// turns, so it is measured with one caller only.
var TCPFloor = Peer{Name: "tcp-floor", MaxCallers: 1, Start: func(ctx context.Context) (Caller, func(), error) {
	conn, stop, err := dialEcho(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("geerpc: bench: starting tcp-floor: %w", err)
	}
	c := &floorClient{conn: conn, r: bufio.NewReaderSize(conn, 64<<10)}
	return c, func() { _ = conn.Close(); stop() }, nil
}}

// floorClient makes one call at a time on its connection, in the caller's
// goroutine. A call whose ctx has ended is refused; one under way runs to
// its end (the floor measures calls that succeed).
type floorClient struct {
	mu   sync.Mutex // protects following; held for a whole call
	conn net.Conn
	r    *bufio.Reader
	buf  []byte
}

// echoCallArgs checks a call of the raw echoes: Echo.Echo with its demo
// types, and a context that has not ended.
func echoCallArgs(ctx context.Context, serviceMethod string, args, reply any) (demo.EchoArgs, *demo.EchoReply, error) {
	a, ok1 := args.(demo.EchoArgs)
	r, ok2 := reply.(*demo.EchoReply)
	if serviceMethod != "Echo.Echo" || !ok1 || !ok2 {
		return a, r, errOnlyEcho
	}
	return a, r, ctx.Err()
}

// Call writes an Echo.Echo frame and reads its reply.
func (c *floorClient) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	a, r, err := echoCallArgs(ctx, serviceMethod, args, reply)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	b := binary.BigEndian.AppendUint32(c.buf[:0], uint32(8+len(a.Payload)))
	b = append(binary.BigEndian.AppendUint64(b, a.Nonce), a.Payload...)
	c.buf = b
	if _, err := c.conn.Write(b); err != nil {
		return fmt.Errorf("%w: %w", errPipeClosed, err)
	}
	if _, err := io.ReadFull(c.r, b[:4]); err != nil {
		return fmt.Errorf("%w: %w", errPipeClosed, err)
	}
	n := binary.BigEndian.Uint32(b)
	data := make([]byte, n)
	if _, err := io.ReadFull(c.r, data); err != nil || n < 8 {
		return fmt.Errorf("%w: short reply: %w", errPipeClosed, err)
	}
	r.Nonce, r.Payload, r.Instance = binary.BigEndian.Uint64(data), data[8:], "tcp-floor"
	return nil
}

// serveEcho echoes frames on every connection lis accepts until it closes,
// then waits for the connections to end.
func serveEcho(lis net.Listener) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := lis.Accept()
		if err != nil {
			return
		}
		wg.Go(func() { echoFrames(conn) })
	}
}

// echoFrames copies frames from conn back to it until it fails.
func echoFrames(conn net.Conn) {
	defer conn.Close()
	r, w := bufio.NewReaderSize(conn, 64<<10), bufio.NewWriterSize(conn, 64<<10)
	buf := make([]byte, 4+64<<10)
	for {
		if _, err := io.ReadFull(r, buf[:4]); err != nil {
			return
		}
		n := 4 + int(binary.BigEndian.Uint32(buf))
		if n > len(buf) {
			return
		}
		if _, err := io.ReadFull(r, buf[4:n]); err != nil {
			return
		}
		_, _ = w.Write(buf[:n])
		if r.Buffered() == 0 && w.Flush() != nil {
			return
		}
	}
}

// pipeClient sends frames from many goroutines over one connection: a
// writer goroutine batches them, a reader goroutine hands replies to the
// calls in the order they were sent.
type pipeClient struct {
	conn  net.Conn
	queue chan *pipeCall
	done  chan struct{} // closed when the reader ends
	wg    sync.WaitGroup

	mu      sync.Mutex // protects following
	pending []*pipeCall
	err     error
}

// pipeCall is one call in flight.
type pipeCall struct {
	frame []byte
	reply []byte
	err   error
	ready chan struct{}
}

var errPipeClosed = errors.New("geerpc: bench: tcp ceiling connection closed")

func newPipeClient(conn net.Conn) *pipeClient {
	c := &pipeClient{conn: conn, queue: make(chan *pipeCall, 1024), done: make(chan struct{})}
	c.wg.Go(c.writeLoop)
	c.wg.Go(c.readLoop)
	return c
}

// Call sends an Echo.Echo frame and waits for its reply or ctx.
func (c *pipeClient) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	a, r, err := echoCallArgs(ctx, serviceMethod, args, reply)
	if err != nil {
		return err
	}
	call := &pipeCall{frame: make([]byte, 8+len(a.Payload)), ready: make(chan struct{})}
	binary.BigEndian.PutUint64(call.frame, a.Nonce)
	copy(call.frame[8:], a.Payload)
	if err := c.wait(ctx, call); err != nil {
		return err
	}
	r.Nonce, r.Payload, r.Instance = binary.BigEndian.Uint64(call.reply), call.reply[8:], "tcp-ceiling"
	return nil
}

// wait queues call for the writer and waits for its reply, the end of the
// connection or ctx.
func (c *pipeClient) wait(ctx context.Context, call *pipeCall) error {
	select {
	case c.queue <- call:
	case <-c.done:
		return errPipeClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-call.ready:
	case <-c.done:
		select {
		case <-call.ready:
		default:
			return errPipeClosed
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	return call.err
}

// writeLoop writes queued frames, flushing when the queue runs dry.
func (c *pipeClient) writeLoop() {
	w := bufio.NewWriterSize(c.conn, 64<<10)
	for {
		var call *pipeCall
		select {
		case call = <-c.queue:
		case <-c.done:
			return
		}
		if !c.push(call) || c.writeFrame(w, call.frame) != nil {
			return
		}
		if len(c.queue) == 0 && w.Flush() != nil {
			return
		}
	}
}

// push queues call for its reply; false once the connection failed.
func (c *pipeClient) push(call *pipeCall) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		call.err = c.err
		close(call.ready)
		return false
	}
	c.pending = append(c.pending, call)
	return true
}

func (c *pipeClient) writeFrame(w *bufio.Writer, frame []byte) error {
	if _, err := w.Write(binary.BigEndian.AppendUint32(w.AvailableBuffer(), uint32(len(frame)))); err != nil {
		return err
	}
	_, err := w.Write(frame)
	return err
}

// readLoop hands each reply to the oldest pending call until the
// connection fails, then fails the calls still pending.
func (c *pipeClient) readLoop() {
	defer close(c.done)
	r := bufio.NewReaderSize(c.conn, 64<<10)
	hdr := make([]byte, 4)
	for {
		if _, err := io.ReadFull(r, hdr); err != nil {
			c.fail(err)
			return
		}
		n := binary.BigEndian.Uint32(hdr)
		reply := make([]byte, n)
		if _, err := io.ReadFull(r, reply); err != nil || n < 8 {
			c.fail(fmt.Errorf("geerpc: bench: tcp ceiling: short reply: %w", err))
			return
		}
		if call := c.pop(); call != nil {
			call.reply = reply
			close(call.ready)
		}
	}
}

func (c *pipeClient) pop() *pipeCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) == 0 {
		return nil
	}
	call := c.pending[0]
	c.pending[0] = nil
	c.pending = c.pending[1:]
	return call
}

// fail records err and fails every pending call.
func (c *pipeClient) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = fmt.Errorf("%w: %w", errPipeClosed, err)
	for _, call := range c.pending {
		call.err = c.err
		close(call.ready)
	}
	c.pending = nil
}

// close closes the connection and waits for both loops.
func (c *pipeClient) close() {
	_ = c.conn.Close()
	c.wg.Wait()
}
