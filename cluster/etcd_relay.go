package cluster

import (
	"net"
	"sync"
	"time"
)

// relay forwards the TCP connections made to its own loopback port to an
// etcd endpoint: one instance's link to etcd. Hold stops the traffic both
// ways (it waits, nothing is lost) until Release, as a link to etcd that is
// cut off and comes back; meanwhile the instance serves on. Its accept loop
// owns the listener; each connection's two pipes own their halves.
type relay struct {
	lis    net.Listener
	target string
	done   chan struct{} // closed by close
	wg     sync.WaitGroup

	mu    sync.Mutex // protects following
	open  chan struct{}
	held  bool
	conns map[net.Conn]struct{}
}

// newRelay listens on a free 127.0.0.1 port and forwards to target.
func newRelay(target string) (*relay, error) {
	lis, err := listenLoopback()
	if err != nil {
		return nil, err
	}
	r := &relay{lis: lis, target: target, done: make(chan struct{}), open: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	close(r.open)
	r.wg.Go(r.accept)
	return r, nil
}

// Addr returns the host:port the instance's etcd client dials.
func (r *relay) Addr() string { return r.lis.Addr().String() }

// hold stops the traffic until release.
func (r *relay) hold() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.held {
		r.held, r.open = true, make(chan struct{})
	}
}

// release lets the traffic flow again, what was held first.
func (r *relay) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.held {
		r.held = false
		close(r.open)
	}
}

// gate waits while the traffic is held; it reports false once closed.
func (r *relay) gate() bool {
	r.mu.Lock()
	open := r.open
	r.mu.Unlock()
	select {
	case <-open:
		return true
	case <-r.done:
		return false
	}
}

func (r *relay) accept() {
	for {
		c, err := r.lis.Accept()
		if err != nil {
			return
		}
		up, err := (&net.Dialer{Timeout: etcdTimeout}).Dial("tcp", r.target)
		if err != nil || !r.track(c, up) {
			_ = c.Close()
			if up != nil {
				_ = up.Close()
			}
			continue
		}
		r.wg.Go(func() { r.pipe(up, c) })
		r.wg.Go(func() { r.pipe(c, up) })
	}
}

// track records a connection pair unless the relay is closed.
func (r *relay) track(c, up net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.done:
		return false
	default:
	}
	r.conns[c], r.conns[up] = struct{}{}, struct{}{}
	return true
}

// pipe copies src to dst through the gate, then closes both.
func (r *relay) pipe(dst, src net.Conn) {
	defer r.drop(dst, src)
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && (!r.gate() || writeAll(dst, buf[:n]) != nil) {
			return
		}
		if err != nil {
			return
		}
	}
}

func writeAll(c net.Conn, b []byte) error {
	_ = c.SetWriteDeadline(time.Now().Add(etcdTimeout))
	_, err := c.Write(b)
	return err
}

// drop closes a connection pair and forgets it.
func (r *relay) drop(a, b net.Conn) {
	_ = a.Close()
	_ = b.Close()
	r.mu.Lock()
	delete(r.conns, a)
	delete(r.conns, b)
	r.mu.Unlock()
}

// close stops accepting, closes every connection and waits for the pipes.
func (r *relay) close() {
	r.mu.Lock()
	select {
	case <-r.done:
	default:
		close(r.done)
	}
	for c := range r.conns {
		_ = c.Close()
	}
	r.mu.Unlock()
	_ = r.lis.Close()
	r.wg.Wait()
}
