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

// A lone call runs on the server's reading goroutine; one that blocks there
// must not hold up the connection's later calls.
func TestBlockedInlineHandlerDoesNotStallLaterCalls(t *testing.T) {
	srv, foo := newFooServer(t, geerpc.ServerOptions{})
	c := dial(t, "tcp@"+serve(t, srv, listenTCP(t)), opt(codec.GobType))
	var reply int
	blocked := c.Go("Foo.Wait", Args{}, &reply, nil)
	defer func() {
		close(foo.gate)
		if call := <-blocked.Done; call.Error != nil {
			t.Errorf("Foo.Wait: %v", call.Error)
		}
	}()
	// Sum runs while Wait blocks, whether Wait was read first or not.
	for i := range 20 {
		callSum(t, c, i, 1)
	}
	select {
	case <-blocked.Done:
		t.Fatal("Foo.Wait returned before its gate opened")
	default:
	}
}

// Calls alone, in bursts, cancelled at random and blocking, on one client:
// the reading role moves between goroutines and every call ends once with
// its own result or its context's error.
func TestReadingRoleUnderMixedLoad(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	c := dial(t, "tcp@"+serve(t, srv, listenTCP(t)), opt(codec.GobType))
	for round := range 10 {
		for i := range 5 { // alone
			callSum(t, c, round, i)
		}
		var wg sync.WaitGroup
		for g := range 1 + round*5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mixedCall(t, c, g)
			}()
		}
		wg.Wait()
	}
}

// mixedCall makes one Sum, with a context cancelled at a random moment on
// one call in three, or one BlockingSleep of a millisecond.
func mixedCall(t *testing.T, c *geerpc.Client, g int) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if g%4 == 3 {
		var slept int
		if err := c.Call(ctx, "Foo.BlockingSleep", Args{Num1: 1}, &slept); err != nil || slept != 1 {
			t.Errorf("BlockingSleep = %d, %v", slept, err)
		}
		return
	}
	if g%3 == 0 {
		time.AfterFunc(time.Duration(rand.IntN(200))*time.Microsecond, cancel)
	}
	var reply int
	err := c.Call(ctx, "Foo.Sum", Args{g, 1}, &reply)
	switch {
	case errors.Is(err, context.Canceled):
	case err != nil:
		t.Errorf("Sum: %v", err)
	case reply != g+1:
		t.Errorf("Sum(%d, 1) = %d", g, reply)
	}
}
