package geerpc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
)

// gatedCalls starts n calls of Foo.Wait on each client, waits until all
// but want of them came back (refused), opens the gate and returns how many
// ran and how many were refused as overloaded.
func gatedCalls(t *testing.T, foo *Foo, clients []*geerpc.Client, n, want int) (ok, overloaded int) {
	t.Helper()
	done := make(chan *geerpc.Call, n*len(clients))
	for _, c := range clients {
		for range n {
			c.Go("Foo.Wait", Args{}, new(int), done)
		}
	}
	count := func(call *geerpc.Call) {
		switch {
		case call.Error == nil:
			ok++
		case errors.Is(call.Error, geerpc.ErrOverloaded) && errors.Is(call.Error, geerpc.ErrNotSent):
			overloaded++
		default:
			t.Fatalf("unexpected error %v", call.Error)
		}
	}
	for range n*len(clients) - want {
		count(<-done)
	}
	close(foo.gate)
	for range want {
		count(<-done)
	}
	return ok, overloaded
}

func TestMaxRequestsPerConnAnswersOverloaded(t *testing.T) {
	srv, foo := newFooServer(t, geerpc.ServerOptions{MaxRequestsPerConn: 2})
	c := dial(t, transports[0].listen(t, srv), nil)
	ok, overloaded := gatedCalls(t, foo, []*geerpc.Client{c}, 5, 2)
	if ok != 2 || overloaded != 3 {
		t.Fatalf("%d ok and %d overloaded, want 2 and 3", ok, overloaded)
	}
	callSum(t, c, 1, 1) // the connection stays
}

func TestMaxRequestsBoundsTheWholeServer(t *testing.T) {
	srv, foo := newFooServer(t, geerpc.ServerOptions{MaxRequests: 3})
	addr := transports[0].listen(t, srv)
	clients := []*geerpc.Client{dial(t, addr, nil), dial(t, addr, nil)}
	if ok, overloaded := gatedCalls(t, foo, clients, 3, 3); ok != 3 || overloaded != 3 {
		t.Fatalf("%d ok and %d overloaded, want 3 and 3", ok, overloaded)
	}
}

func TestMaxConnsRefusesTheExtraConnection(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{MaxConns: 2})
	addr := transports[0].listen(t, srv)
	a, b := dial(t, addr, nil), dial(t, addr, nil)
	callSum(t, a, 1, 1)
	callSum(t, b, 1, 1)
	extra := dial(t, addr, nil)
	if err := extra.Call(context.Background(), "Foo.Sum", Args{}, new(int)); !errors.Is(err, geerpc.ErrShutdown) {
		t.Fatalf("third connection's call = %v, want ErrShutdown", err)
	}
	callSum(t, a, 2, 2)
}

// TestIdleConnectionIsClosedButBusyOneIsNot holds a call longer than the
// idle timeout. A connection may rightly be closed as idle before its call
// reaches the server (a busy machine can stall the client longer than 50ms
// between dial and send), so only a call the server started must not fail;
// one that never started is tried again on a new connection.
func TestIdleConnectionIsClosedButBusyOneIsNot(t *testing.T) {
	srv, foo := newFooServer(t, geerpc.ServerOptions{IdleTimeout: 50 * time.Millisecond})
	addr := transports[0].listen(t, srv)
	for attempt := 1; ; attempt++ {
		before := foo.blocks.Load()
		busy := dial(t, addr, nil)
		err := busy.Call(context.Background(), "Foo.BlockingSleep", Args{Num1: 200}, new(int))
		if err == nil {
			break
		}
		if foo.blocks.Load() != before || attempt == 20 {
			t.Fatalf("a call longer than the idle timeout failed (attempt %d): %v", attempt, err)
		}
	}
	idle := dial(t, addr, nil)
	select {
	case <-idle.Closed():
	case <-time.After(5 * time.Second):
		t.Fatal("idle connection not closed")
	}
}

func TestClientMaxPending(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	o := opt("")
	o.MaxPending = 2
	c := dial(t, transports[0].listen(t, srv), o)
	first := c.Go("Foo.BlockingSleep", Args{Num1: 100}, new(int), nil)
	second := c.Go("Foo.BlockingSleep", Args{Num1: 100}, new(int), nil)
	third := c.Go("Foo.BlockingSleep", Args{Num1: 100}, new(int), nil)
	<-third.Done
	if !errors.Is(third.Error, geerpc.ErrTooManyPending) || !errors.Is(third.Error, geerpc.ErrNotSent) || third.Sent {
		t.Fatalf("third call = %v (sent %v), want ErrTooManyPending, not sent", third.Error, third.Sent)
	}
	for _, call := range []*geerpc.Call{first, second} {
		if <-call.Done; call.Error != nil {
			t.Fatal(call.Error)
		}
	}
}

func TestServerRefusalsMapToSentinels(t *testing.T) {
	tests := []struct {
		text   string
		target error
		want   bool
	}{
		{text: geerpc.ErrOverloaded.Error(), target: geerpc.ErrOverloaded, want: true},
		{text: geerpc.ErrOverloaded.Error(), target: geerpc.ErrNotSent, want: true},
		{text: geerpc.ErrDeadlinePassed.Error(), target: geerpc.ErrNotSent, want: true},
		{text: "rpc server: request handle timeout: expect within 1s", target: geerpc.ErrTimeout, want: true},
		{text: "divide by zero", target: geerpc.ErrNotSent, want: false},
		{text: "geerpc: server overloaded, retry later!", target: geerpc.ErrOverloaded, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := errors.Is(geerpc.ServerError(tt.text), tt.target); got != tt.want {
				t.Fatalf("errors.Is(%q, %v) = %v", tt.text, tt.target, got)
			}
		})
	}
}
