package geerpc_test

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/codec"
)

// Phases of lone and concurrent callers on one connection, with async
// calls beside them, each call under no context, a random deadline or a
// random cancellation: replies race the deadlines and cancellations of
// callers that read them. Every call ends once, with its reply or its
// context's error, and the connection stays usable.
func TestCallersReadingRaceCancels(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	c := dial(t, "tcp@"+serve(t, srv, listenTCP(t)), opt(codec.GobType))
	for phase, callers := range []int{1, 16, 1, 4, 1} {
		var wg sync.WaitGroup
		for g := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(phase), uint64(g)))
				for i := range 40 {
					raceOneCall(t, c, rng, Args{g, i})
				}
			}()
		}
		async := c.Go("Foo.Sum", Args{phase, 1}, new(int), nil)
		wg.Wait()
		checkRacedCall(t, <-async.Done)
	}
	callSum(t, c, 2, 3)
}

// raceOneCall makes one Call whose context may end at any moment. One in
// four sleeps 2ms, past the time a reading caller polls its context.
func raceOneCall(t *testing.T, c *geerpc.Client, rng *rand.Rand, a Args) {
	ctx, method, want, within := context.Background(), "Foo.Sum", a.Num1+a.Num2, 300
	if rng.IntN(4) == 0 {
		a.Num1, method, want, within = 2, "Foo.BlockingSleep", 2, 4000
	}
	switch rng.IntN(3) {
	case 1:
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(rng.IntN(within))*time.Microsecond)
		defer cancel()
	case 2:
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		time.AfterFunc(time.Duration(rng.IntN(within))*time.Microsecond, cancel)
	}
	var reply int
	err := c.Call(ctx, method, a, &reply)
	switch {
	case err == nil && reply != want:
		t.Errorf("%s%v = %d", method, a, reply)
	case err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled):
		t.Errorf("%s%v: %v, want nil or the context's error", method, a, err)
	}
}

// A lone caller waiting for a slow reply (it holds the reading role) is
// cancelled, or meets its deadline: the call ends with the context's
// error, the late reply is dropped whole, and the next call succeeds.
func TestLoneCallerEndedWhileReading(t *testing.T) {
	for _, end := range []string{"cancel", "deadline"} {
		t.Run(end, func(t *testing.T) {
			srv, foo := newFooServer(t, geerpc.ServerOptions{})
			c := dial(t, "tcp@"+serve(t, srv, listenTCP(t)), opt(codec.GobType))
			callSum(t, c, 1, 1)
			ctx, cancel := context.WithCancel(context.Background())
			want := context.Canceled
			if end == "deadline" {
				ctx, cancel = context.WithTimeout(context.Background(), 30*time.Millisecond)
				want = context.DeadlineExceeded
			} else {
				time.AfterFunc(30*time.Millisecond, cancel)
			}
			defer cancel()
			var reply int
			if err := c.Call(ctx, "Foo.Wait", Args{}, &reply); !errors.Is(err, want) {
				t.Fatalf("Foo.Wait: %v, want %v", err, want)
			}
			close(foo.gate)
			callSum(t, c, 4, 5)
		})
	}
}

// Calls made with Go and GoContext, which no caller waits in, are read by
// the client's reader goroutine, right after a Call left the role vacant.
func TestAsyncCallsAfterALoneCall(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	c := dial(t, "tcp@"+serve(t, srv, listenTCP(t)), opt(codec.GobType))
	for i := range 50 {
		callSum(t, c, i, 1)
		var reply int
		call := <-c.Go("Foo.Sum", Args{i, 2}, &reply, nil).Done
		if call.Error != nil || reply != i+2 {
			t.Fatalf("Go: %d, %v", reply, call.Error)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		call = <-c.GoContext(ctx, "Foo.Sum", Args{i, 3}, &reply, nil).Done
		cancel()
		if call.Error != nil || reply != i+3 {
			t.Fatalf("GoContext: %d, %v", reply, call.Error)
		}
	}
}

// A caller reading with no deadline ends, with ErrShutdown, when the
// client is closed or the server drops the connection, as every call
// pending then does, once.
func TestConnectionEndsWhileCallerReads(t *testing.T) {
	for _, how := range []string{"client closes", "server drops"} {
		t.Run(how, func(t *testing.T) {
			srv, foo := newFooServer(t, geerpc.ServerOptions{})
			lis := &connTracker{Listener: listenTCP(t)}
			c := dial(t, "tcp@"+serve(t, srv, lis), opt(codec.GobType))
			t.Cleanup(func() { close(foo.gate) })
			callSum(t, c, 1, 1)
			errc := make(chan error, 1)
			go func() { errc <- c.Call(context.Background(), "Foo.Wait", Args{}, new(int)) }()
			waitUntil(t, "the call to run", func() bool { return foo.waits.Load() == 1 })
			async := c.Go("Foo.Wait", Args{}, new(int), nil)
			waitUntil(t, "both calls to run", func() bool { return foo.waits.Load() == 2 })
			if how == "client closes" {
				_ = c.Close()
			} else {
				lis.closeAll()
			}
			if err := <-errc; !errors.Is(err, geerpc.ErrShutdown) {
				t.Fatalf("Call: %v, want ErrShutdown", err)
			}
			if call := <-async.Done; !errors.Is(call.Error, geerpc.ErrShutdown) {
				t.Fatalf("Go: %v, want ErrShutdown", call.Error)
			}
			<-c.Closed()
			select {
			case call := <-async.Done:
				t.Fatalf("the async call ended twice: %v", call.Error)
			default:
			}
		})
	}
}

// A malformed reply read by a lone caller fails the call and closes that
// client; the caller does not hang.
func TestLoneCallerReadsMalformedReply(t *testing.T) {
	lis := listenTCP(t)
	go func() {
		conn, err := lis.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		buf := make([]byte, 4096)
		_, _ = conn.Read(buf) // the Option and, perhaps, the request
		_, _ = conn.Write([]byte{0x05, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
		_, _ = io.Copy(io.Discard, conn)
	}()
	c := dial(t, "tcp@"+lis.Addr().String(), opt(codec.GobType))
	err := c.Call(context.Background(), "Foo.Sum", Args{1, 2}, new(int))
	if err == nil {
		t.Fatal("a malformed reply was taken for an answer")
	}
	<-c.Closed()
}

// connTracker remembers the connections it accepted, to drop them.
type connTracker struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *connTracker) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, conn)
		l.mu.Unlock()
	}
	return conn, err
}

func (l *connTracker) closeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, conn := range l.conns {
		_ = conn.Close()
	}
}

// waitUntil waits, generously, for cond.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// A call whose request cannot be written, because the server stopped
// reading, ends at its deadline rather than when the write unblocks; so
// does a call queued behind it. Their bytes are written once the server
// reads again, whole: the connection goes on serving calls.
func TestCallBlockedInWriteEndsAtItsDeadline(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	lis := &gatedListener{Listener: listenTCP(t), gate: make(chan struct{})}
	addr := serve(t, srv, lis)
	open := sync.OnceFunc(func() { close(lis.gate) })
	t.Cleanup(open)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.(*net.TCPConn).SetWriteBuffer(64 << 10)
	c, err := geerpc.NewClient(conn, opt(codec.GobType))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	big := make([]byte, 3<<20) // more than the sockets' buffers hold
	for _, call := range []struct {
		method string
		args   any
	}{{"Foo.Echo", big}, {"Foo.Sum", Args{1, 2}}} {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		err := callWithin(t, 20*time.Second, func() error { return c.Call(ctx, call.method, call.args, new([]byte)) })
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s with the server not reading: %v, want the deadline", call.method, err)
		}
	}
	open()
	// The connection now carries the 3 MiB request, its 3 MiB reply and the
	// call below: a 30s deadline (callSum's 5s once ran out on a CI machine
	// with the other packages' tests beside it).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var sum int
	if err := c.Call(ctx, "Foo.Sum", Args{3, 4}, &sum); err != nil || sum != 7 {
		t.Fatalf("Foo.Sum once the server reads again: %d, %v; want 7", sum, err)
	}
}

// callWithin runs call, failing the test if it has not returned in d (a
// watchdog against a hang, not a bound on its duration).
func callWithin(t *testing.T, d time.Duration, call func() error) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- call() }()
	select {
	case err := <-errc:
		return err
	case <-time.After(d):
		t.Fatalf("the call has not returned in %s", d)
		return nil
	}
}

// gatedListener's connections read nothing until gate is closed, so that
// a client's writes to them block once the sockets' buffers are full.
type gatedListener struct {
	net.Listener
	gate chan struct{}
}

func (l *gatedListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	// Small, but more than a loopback segment, or the window would not
	// reopen promptly once the server reads.
	_ = conn.(*net.TCPConn).SetReadBuffer(256 << 10)
	return gatedConn{conn, l.gate}, nil
}

type gatedConn struct {
	net.Conn
	gate chan struct{}
}

func (c gatedConn) Read(p []byte) (int, error) {
	<-c.gate
	return c.Conn.Read(p)
}
