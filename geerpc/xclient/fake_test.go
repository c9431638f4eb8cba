package xclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// errFakeRefused stands for a refused connection.
var errFakeRefused = errors.New("fake: connection refused")

// errFakeBroken stands for a connection that broke after the request went.
var errFakeBroken = errors.New("fake: connection reset")

// fakeServer is one instance of a fakeNet.
type fakeServer struct {
	addr     string
	delay    atomic.Int64                  // per-call latency
	hang     atomic.Bool                   // calls wait for their ctx to end
	gate     atomic.Pointer[chan struct{}] // when set, calls wait for it to close
	callErr  atomic.Pointer[error]         // error answered by calls
	refuse   atomic.Bool                   // dials fail
	dialGate chan struct{}                 // when set, dials wait for it to close
	calls    atomic.Int64                  // calls that reached the server
	dials    atomic.Int64
	mu       sync.Mutex // protects following
	clients  []*fakeClient
}

func (s *fakeServer) setErr(err error) {
	if err == nil {
		s.callErr.Store(nil)
		return
	}
	s.callErr.Store(&err)
}

// fakeNet is a set of fake servers reachable by address.
type fakeNet struct {
	servers map[string]*fakeServer
}

func newFakeNet(n int) (*fakeNet, []string) {
	f := &fakeNet{servers: make(map[string]*fakeServer)}
	addrs := make([]string, n)
	for i := range n {
		addrs[i] = fmt.Sprintf("tcp@127.0.0.1:%d", 10000+i)
		f.servers[addrs[i]] = &fakeServer{addr: addrs[i]}
	}
	return f, addrs
}

func (f *fakeNet) dial(ctx context.Context, addr string) (rpcClient, error) {
	s := f.servers[addr]
	if s == nil {
		return nil, errFakeRefused
	}
	s.dials.Add(1)
	if s.dialGate != nil {
		select {
		case <-s.dialGate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s.refuse.Load() {
		return nil, errFakeRefused
	}
	c := &fakeClient{srv: s}
	s.mu.Lock()
	s.clients = append(s.clients, c)
	s.mu.Unlock()
	return c, nil
}

// fakeClient is a connection to a fakeServer.
type fakeClient struct {
	srv    *fakeServer
	closed atomic.Bool
	broken atomic.Bool
}

func (c *fakeClient) IsAvailable() bool { return !c.closed.Load() && !c.broken.Load() }

func (c *fakeClient) Close() error {
	c.closed.Store(true)
	return nil
}

func (c *fakeClient) Call(ctx context.Context, method string, args, reply any) error {
	if !c.IsAvailable() {
		return fmt.Errorf("%w: %w", errNotSent, errFakeBroken)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", errNotSent, err)
	}
	c.srv.calls.Add(1)
	if g := c.srv.gate.Load(); g != nil {
		<-*g
	}
	if err := c.wait(ctx); err != nil {
		return err
	}
	if p := c.srv.callErr.Load(); p != nil {
		return *p
	}
	if r, ok := reply.(*string); ok {
		*r = c.srv.addr
	}
	return nil
}

// wait plays the call's latency or hang.
func (c *fakeClient) wait(ctx context.Context) error {
	d := time.Duration(c.srv.delay.Load())
	if !c.srv.hang.Load() && d == 0 {
		return nil
	}
	var timeout <-chan time.Time
	if !c.srv.hang.Load() {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("fake call: %w", ctx.Err())
	}
}

// newFakeXClient returns an XClient over the fake net and closes it when
// the test ends.
func newFakeXClient(t *testing.T, f *fakeNet, addrs []string, o Options) (*XClient, *MultiServersDiscovery) {
	t.Helper()
	d := NewMultiServerDiscovery(addrs)
	o.dial = f.dial
	x := NewXClientWithOptions(d, o)
	t.Cleanup(func() { _ = x.Close() })
	return x, d
}

// pinBalancer picks the endpoint whose address is the call's hash key, so
// that tests choose the instance of each call.
type pinBalancer struct{ endpointSet }

func (b *pinBalancer) Pick(ctx context.Context) (*Endpoint, error) {
	eps, err := b.load()
	if err != nil {
		return nil, err
	}
	key, _ := HashKey(ctx)
	for _, e := range eps {
		if e.Addr() == key {
			return e, nil
		}
	}
	return eps[0], nil
}

// pin returns a context whose call pinBalancer sends to addr.
func pin(ctx context.Context, addr string) context.Context { return WithHashKey(ctx, addr) }

// waitFor polls cond until it holds or the watchdog fires.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
