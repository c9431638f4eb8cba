package geerpc_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/codec"
	"github.com/geerpclab/geerpc/geerpc/geerpctest"
)

// Args are the arguments of Foo's methods.
type Args struct{ Num1, Num2 int }

// Foo is the test service.
type Foo struct {
	sleeps atomic.Int64  // Sleep calls that started
	waits  atomic.Int64  // Wait calls that started
	blocks atomic.Int64  // BlockingSleep calls that started
	gate   chan struct{} // Wait returns once it is closed
}

// Wait blocks until the test closes the gate, then answers Num1.
func (f *Foo) Wait(args Args, reply *int) error {
	f.waits.Add(1)
	<-f.gate
	*reply = args.Num1
	return nil
}

func (f *Foo) Sum(args Args, reply *int) error {
	*reply = args.Num1 + args.Num2
	return nil
}

func (f *Foo) Fail(msg string, reply *int) error { return errors.New(msg) }

func (f *Foo) Panic(args Args, reply *int) error { panic("boom") }

// Sleep sleeps Num1 milliseconds, or until ctx ends.
func (f *Foo) Sleep(ctx context.Context, args Args, reply *int) error {
	f.sleeps.Add(1)
	select {
	case <-time.After(time.Duration(args.Num1) * time.Millisecond):
		*reply = args.Num1
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// BlockingSleep ignores any context.
func (f *Foo) BlockingSleep(args Args, reply *int) error {
	f.blocks.Add(1)
	time.Sleep(time.Duration(args.Num1) * time.Millisecond)
	*reply = args.Num1
	return nil
}

// Deadline reports the milliseconds left on its context, -1 for none.
func (f *Foo) Deadline(ctx context.Context, args Args, reply *int) error {
	*reply = -1
	if d, ok := ctx.Deadline(); ok {
		*reply = int(time.Until(d).Milliseconds())
	}
	return nil
}

func (f *Foo) Echo(in []byte, out *[]byte) error {
	*out = in
	return nil
}

func (f *Foo) Big(n int64, reply *int64) error {
	*reply = n
	return nil
}

// transport is one way to reach a server.
type transport struct {
	name string
	// listen starts serving srv and returns the address to XDial.
	listen func(t *testing.T, srv *geerpc.Server) string
}

var transports = []transport{
	{name: "tcp", listen: func(t *testing.T, srv *geerpc.Server) string {
		return "tcp@" + serve(t, srv, listenTCP(t))
	}},
	{name: "unix", listen: func(t *testing.T, srv *geerpc.Server) string {
		lis, err := net.Listen("unix", filepath.Join(t.TempDir(), "geerpc.sock"))
		if err != nil {
			t.Fatal(err)
		}
		return "unix@" + serve(t, srv, lis)
	}},
	{name: "http", listen: func(t *testing.T, srv *geerpc.Server) string {
		lis := listenTCP(t)
		hs := &http.Server{Handler: srv.Handler()}
		go func() { _ = hs.Serve(lis) }()
		t.Cleanup(func() {
			_ = hs.Close()
			shutdown(t, srv)
		})
		return "http@" + lis.Addr().String()
	}},
}

var codecs = []codec.Type{codec.GobType, codec.JsonType}

func listenTCP(t testing.TB) net.Listener { return geerpctest.Listen(t) }

// serve runs srv on lis until the test ends.
func serve(t testing.TB, srv *geerpc.Server, lis net.Listener) string {
	return geerpctest.Serve(t, srv, lis)
}

func shutdown(t testing.TB, srv *geerpc.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// newFooServer returns a server with Foo registered.
func newFooServer(t testing.TB, opts geerpc.ServerOptions) (*geerpc.Server, *Foo) {
	t.Helper()
	srv := geerpc.NewServerWithOptions(opts)
	foo := &Foo{gate: make(chan struct{})}
	if err := srv.Register(foo); err != nil {
		t.Fatal(err)
	}
	return srv, foo
}

// dial connects and closes the client at the end of the test.
func dial(t testing.TB, addr string, opt *geerpc.Option) *geerpc.Client {
	t.Helper()
	c, err := geerpc.XDial(addr, opt)
	if err != nil {
		t.Fatalf("XDial(%s): %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func opt(ct codec.Type) *geerpc.Option {
	return &geerpc.Option{MagicNumber: geerpc.MagicNumber, CodecType: ct, ConnectTimeout: 5 * time.Second}
}

func callSum(t testing.TB, c *geerpc.Client, a, b int) {
	t.Helper()
	var reply int
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Call(ctx, "Foo.Sum", Args{a, b}, &reply); err != nil {
		t.Fatalf("Foo.Sum: %v", err)
	}
	if reply != a+b {
		t.Fatalf("Foo.Sum(%d, %d) = %d", a, b, reply)
	}
}

func name(parts ...any) string { return fmt.Sprint(parts...) }

// waitFor polls cond until it holds, failing after a deadline generous
// enough for a busy machine.
func waitFor(t testing.TB, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s", what)
		}
	}
}
