package geerpc_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
)

func TestCallsOverEveryTransportAndCodec(t *testing.T) {
	for _, tr := range transports {
		for _, ct := range codecs {
			t.Run(name(tr.name, "/", ct), func(t *testing.T) {
				srv, _ := newFooServer(t, geerpc.ServerOptions{})
				c := dial(t, tr.listen(t, srv), opt(ct))
				var wg sync.WaitGroup
				for i := range 50 {
					wg.Add(1)
					go func() { defer wg.Done(); callSum(t, c, i, i*i) }()
				}
				wg.Wait()
				var reply int
				err := c.Call(context.Background(), "Foo.Fail", "100% wrong %d", &reply)
				var se geerpc.ServerError
				if !errors.As(err, &se) || se.Error() != "100% wrong %d" {
					t.Fatalf("Foo.Fail error = %v, want ServerError with the text verbatim", err)
				}
			})
		}
	}
}

// TestCallTimeoutRemovesCallAndDiscardsLateReply times a call out while its
// handler waits on the gate, so the reply cannot come first, then lets the
// late reply arrive.
func TestCallTimeoutRemovesCallAndDiscardsLateReply(t *testing.T) {
	for _, ct := range codecs {
		t.Run(string(ct), func(t *testing.T) {
			srv, foo := newFooServer(t, geerpc.ServerOptions{})
			c := dial(t, transports[0].listen(t, srv), opt(ct))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
			defer cancel()
			var reply int
			err := c.Call(ctx, "Foo.Wait", Args{Num1: 7}, &reply)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want context.DeadlineExceeded", err)
			}
			close(foo.gate)
			time.Sleep(100 * time.Millisecond) // the late reply arrives and is dropped
			if reply != 0 {
				t.Fatalf("late reply was written into the abandoned reply: %d", reply)
			}
			callSum(t, c, 1, 2)
		})
	}
}

func TestGoContextEndsWithContextError(t *testing.T) {
	srv, foo := newFooServer(t, geerpc.ServerOptions{})
	c := dial(t, transports[0].listen(t, srv), nil)
	t.Cleanup(func() { close(foo.gate) }) // before the server's Shutdown, which waits for Wait
	ctx, cancel := context.WithCancel(context.Background())
	var reply int
	call := c.GoContext(ctx, "Foo.Wait", Args{Num1: 7}, &reply, nil)
	cancel()
	select {
	case <-call.Done: // the gate is shut: no reply can have ended it
	case <-time.After(5 * time.Second):
		t.Fatal("cancelled call did not end while its handler waited")
	}
	if !errors.Is(call.Error, context.Canceled) || reply != 0 {
		t.Fatalf("err = %v, reply %d; want context.Canceled and no reply", call.Error, reply)
	}
}

// TestBrokenConnectionFailsPendingCallsAtOnce breaks the connection under
// calls whose handlers wait on the gate: they must fail while no reply can
// come, not when the handlers return. Shutdown itself waits for them.
func TestBrokenConnectionFailsPendingCallsAtOnce(t *testing.T) {
	srv, foo := newFooServer(t, geerpc.ServerOptions{})
	c := dial(t, transports[0].listen(t, srv), nil)
	calls := make([]*geerpc.Call, 10)
	for i := range calls {
		calls[i] = c.Go("Foo.Wait", Args{Num1: 1}, new(int), nil)
	}
	waitFor(t, func() bool { return foo.waits.Load() == int64(len(calls)) }, "every handler started")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a Shutdown whose context already ended closes connections at once
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(ctx) }()
	for _, call := range calls {
		select {
		case <-call.Done:
		case <-time.After(5 * time.Second):
			t.Fatal("pending call still waits after its connection broke")
		}
		if !errors.Is(call.Error, geerpc.ErrShutdown) {
			t.Fatalf("pending call error = %v, want ErrShutdown", call.Error)
		}
	}
	if c.IsAvailable() {
		t.Fatal("client still available after its connection broke")
	}
	<-c.Closed()
	err := c.Call(context.Background(), "Foo.Sum", Args{}, new(int))
	if err != geerpc.ErrShutdown { //nolint:errorlint // == is the point
		t.Fatalf("call on broken client = %v, want ErrShutdown itself", err)
	}
	close(foo.gate)
	if err := <-shut; !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown = %v, want context.Canceled", err)
	}
}

func TestFullDoneChannelDoesNotBlockOtherCalls(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	c := dial(t, transports[0].listen(t, srv), nil)
	done := make(chan *geerpc.Call, 1)
	for range 3 { // only one fits; the others must not stall the client
		c.Go("Foo.Sum", Args{1, 1}, new(int), done)
	}
	time.Sleep(50 * time.Millisecond)
	callSum(t, c, 2, 3)
}

func TestUnbufferedDoneChannelPanics(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	c := dial(t, transports[0].listen(t, srv), nil)
	defer func() {
		if recover() == nil {
			t.Fatal("Go with an unbuffered done channel did not panic")
		}
	}()
	c.Go("Foo.Sum", Args{}, new(int), make(chan *geerpc.Call))
}

func TestConcurrentDialsDoNotShareOptions(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	addr := transports[0].listen(t, srv)
	o := &geerpc.Option{CodecType: ""} // parseOptions must not write into it
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dial(t, addr, o)
			callSum(t, c, 1, 1)
		}()
	}
	wg.Wait()
	if o.MagicNumber != 0 || o.CodecType != "" {
		t.Fatalf("caller's Option was modified: %+v", *o)
	}
}

func TestConnectTimeout(t *testing.T) {
	lis := listenTCP(t) // accepts in the kernel, never answers CONNECT
	defer lis.Close()
	start := time.Now()
	_, err := geerpc.XDial("http@"+lis.Addr().String(), &geerpc.Option{ConnectTimeout: 100 * time.Millisecond})
	if !errors.Is(err, geerpc.ErrTimeout) {
		t.Fatalf("err = %v, want a connect timeout", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("connect timeout took %v", took)
	}
}

func TestParseAddr(t *testing.T) {
	tests := []struct {
		addr    string
		wantErr bool
	}{
		{addr: "tcp@127.0.0.1:9999"},
		{addr: "unix@/tmp/geerpc.sock"},
		{addr: "http@127.0.0.1:7001"},
		{addr: "127.0.0.1:9999", wantErr: true},
		{addr: "udp@127.0.0.1:1", wantErr: true},
		{addr: "tcp@", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			_, _, err := geerpc.ParseAddr(tt.addr)
			if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, geerpc.ErrBadAddr)) {
				t.Fatalf("ParseAddr(%q) = %v, wantErr %v", tt.addr, err, tt.wantErr)
			}
		})
	}
}
