package geerpc_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/codec"
)

// Many goroutines share one Done channel while their calls are cancelled at
// random moments, some before they are sent, some while their replies are
// being read. Every call must come back once, with fields that -race sees
// written before the call was handed over.
func TestCallsSharingDoneRaceWithCancels(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	c := dial(t, "tcp@"+serve(t, srv, listenTCP(t)), opt(codec.GobType))
	const goroutines, perG = 16, 64
	done := make(chan *geerpc.Call, goroutines*perG)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for i := range perG {
				// Some end before the call starts, some while it is being
				// sent, some while its reply is read, some never.
				d := time.Duration(rng.IntN(100)-10) * time.Microsecond
				ctx, cancel := context.WithTimeout(context.Background(), d)
				if rng.IntN(2) == 0 {
					go cancel() // races with the sending
				}
				c.GoContext(ctx, "Foo.Sum", Args{g, i}, new(int), done)
				defer cancel()
				// Pause so that the reply or the cancellation, not this
				// goroutine's next call, is what touches the client next.
				time.Sleep(time.Duration(rng.IntN(200)) * time.Microsecond)
			}
		}()
	}
	for range goroutines * perG {
		checkRacedCall(t, <-done)
	}
	wg.Wait()
	select {
	case call := <-done:
		t.Fatalf("call %s %v came back twice", call.ServiceMethod, call.Args)
	default:
	}
}

func checkRacedCall(t *testing.T, call *geerpc.Call) {
	t.Helper()
	a, reply := call.Args.(Args), *call.Reply.(*int)
	switch {
	case call.Error == nil:
		if !call.Sent || reply != a.Num1+a.Num2 {
			t.Fatalf("call %v: sent %t, reply %d", a, call.Sent, reply)
		}
	case !errors.Is(call.Error, context.DeadlineExceeded) && !errors.Is(call.Error, context.Canceled):
		t.Fatalf("call %v: %v, want nil or the context's error", a, call.Error)
	case !call.Sent && !errors.Is(call.Error, geerpc.ErrNotSent):
		t.Fatalf("call %v: %v with Sent false", a, call.Error)
	}
}

// A context that has already ended sends nothing, through Call and
// GoContext alike: the handler never runs.
func TestEndedContextSendsNothing(t *testing.T) {
	srv, foo := newFooServer(t, geerpc.ServerOptions{})
	c := dial(t, "tcp@"+serve(t, srv, listenTCP(t)), opt(codec.GobType))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	ends := []struct {
		name string
		ctx  context.Context
		want error
	}{
		{name: "cancelled", ctx: cancelled, want: context.Canceled},
		{name: "expired", ctx: expired, want: context.DeadlineExceeded},
	}
	for _, end := range ends {
		t.Run(end.name, func(t *testing.T) {
			for range 10 {
				err := c.Call(end.ctx, "Foo.Sleep", Args{Num1: 1}, new(int))
				checkNotSent(t, "Call", err, end.want)
				call := c.GoContext(end.ctx, "Foo.Sleep", Args{Num1: 1}, new(int), nil)
				<-call.Done
				checkNotSent(t, "GoContext", call.Error, end.want)
			}
		})
	}
	callSum(t, c, 1, 2) // the connection stays, and Foo.Sleep never ran
	if n := foo.sleeps.Load(); n != 0 {
		t.Fatalf("the server ran Foo.Sleep %d times for ended contexts", n)
	}
}

func checkNotSent(t *testing.T, how string, err, want error) {
	t.Helper()
	if !errors.Is(err, geerpc.ErrNotSent) || !errors.Is(err, want) {
		t.Fatalf("%s: %v, want ErrNotSent and %v", how, err, want)
	}
}

// Refused calls count as calls: the debug page never shows more errors
// than calls.
func TestStatsCountEveryOutcome(t *testing.T) {
	srv, foo := newFooServer(t, geerpc.ServerOptions{MaxRequestsPerConn: 1})
	c := dial(t, "tcp@"+serve(t, srv, listenTCP(t)), opt(codec.GobType))
	ok, overloaded := gatedCalls(t, foo, []*geerpc.Client{c}, 6, 1)
	if ok != 1 || overloaded != 5 {
		t.Fatalf("%d ok and %d overloaded, want 1 and 5", ok, overloaded)
	}
	for _, m := range srv.Stats()[0].Methods {
		if m.Name == "Wait" && (m.Calls != 6 || m.Errors != 5) {
			t.Fatalf("stats of Wait: %d calls, %d errors; want 6 and 5", m.Calls, m.Errors)
		}
	}
}

// A call on a closed client fails with ErrShutdown itself, as in net/rpc
// and the original GeeRPC, so that err == ErrShutdown works.
func TestCallOnClosedClientReturnsErrShutdownItself(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	c, err := geerpc.XDial("tcp@"+serve(t, srv, listenTCP(t)), opt(codec.GobType))
	if err != nil {
		t.Fatal(err)
	}
	callSum(t, c, 1, 1)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Call(context.Background(), "Foo.Sum", Args{}, new(int)); err != geerpc.ErrShutdown { //nolint:errorlint // == is the point
		t.Fatalf("Call after Close = %v, want ErrShutdown itself", err)
	}
	call := c.Go("Foo.Sum", Args{}, new(int), nil)
	if <-call.Done; call.Error != geerpc.ErrShutdown || call.Sent { //nolint:errorlint // == is the point
		t.Fatalf("Go after Close = %v (sent %t), want ErrShutdown itself", call.Error, call.Sent)
	}
	if err := c.Close(); err != geerpc.ErrShutdown { //nolint:errorlint // == is the point
		t.Fatalf("second Close = %v, want ErrShutdown itself", err)
	}
}
