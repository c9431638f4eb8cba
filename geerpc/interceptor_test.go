package geerpc_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
)

func TestInterceptor(t *testing.T) {
	var sawDeadline atomic.Bool
	intercept := func(ctx context.Context, call *geerpc.ServerCall, next func(context.Context) error) error {
		_, ok := ctx.Deadline()
		sawDeadline.Store(ok && !call.Deadline.IsZero())
		switch call.Args.(Args).Num2 {
		case -1: // abort without running
			return errors.New("aborted by interceptor")
		case -2: // run, then drop the reply
			_ = next(ctx)
			return geerpc.ErrNoReply
		case -3: // drop the request: never run, never answered
			return geerpc.ErrNoReply
		}
		err := next(ctx)
		*call.Reply.(*int) += 1000 // the reply can be changed after the method
		return err
	}
	srv, foo := newFooServer(t, geerpc.ServerOptions{Interceptor: intercept})
	c := dial(t, transports[0].listen(t, srv), nil)
	call := func(method string, num2 int, timeout time.Duration) (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		var reply int
		err := c.Call(ctx, method, Args{Num1: 1, Num2: num2}, &reply)
		return reply, err
	}

	if got, err := call("Foo.Sum", 2, time.Second); err != nil || got != 1003 || !sawDeadline.Load() {
		t.Fatalf("intercepted Sum = %d, %v (deadline seen %v), want 1003", got, err, sawDeadline.Load())
	}
	var se geerpc.ServerError
	if _, err := call("Foo.Sleep", -1, time.Second); !errors.As(err, &se) || string(se) != "aborted by interceptor" {
		t.Fatalf("aborted call = %v", err)
	}
	if _, err := call("Foo.Sleep", -3, 50*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("dropped request = %v, want its deadline", err)
	}
	if n := foo.sleeps.Load(); n != 0 {
		t.Fatalf("aborted or dropped requests ran %d times", n)
	}
	if _, err := call("Foo.Sleep", -2, 50*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("dropped reply = %v, want its deadline", err)
	}
	if n := foo.sleeps.Load(); n != 1 {
		t.Fatalf("a dropped reply's method ran %d times, want 1", n)
	}
	if got, err := call("Foo.Sum", 2, time.Second); err != nil || got != 1003 {
		t.Fatalf("connection after dropped replies: %d, %v", got, err)
	}
}
