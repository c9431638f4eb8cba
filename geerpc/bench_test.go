package geerpc_test

import (
	"context"
	"fmt"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/codec"
)

// Ways a benchmark caller passes a context.
const (
	plainCtx    = "plain"    // context.Background
	madeCtx     = "made"     // a 10s context.WithTimeout made, Background passed: the context's own cost
	deadlineCtx = "deadline" // a 10s context.WithTimeout made and passed, as users call
)

// BenchmarkEcho measures a 581-byte Echo over TCP from callers sharing one
// client. Comparing made with plain gives what the user's own
// context.WithTimeout costs; deadline with made, what geerpc adds for it.
func BenchmarkEcho(b *testing.B) {
	for _, callers := range []int{1, 100, 10_000} {
		for _, mode := range []string{plainCtx, madeCtx, deadlineCtx} {
			b.Run(fmt.Sprintf("callers=%d/ctx=%s", callers, mode), func(b *testing.B) {
				srv, _ := newFooServer(b, geerpc.ServerOptions{})
				c := dial(b, "tcp@"+serve(b, srv, listenTCP(b)), opt(codec.GobType))
				benchEcho(b, c, min(callers, b.N), mode)
			})
		}
	}
}

func benchEcho(b *testing.B, c *geerpc.Client, callers int, mode string) {
	payload := make([]byte, 581)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	wake0 := wakeups()
	defer func() { b.ReportMetric((wakeups()-wake0)/float64(b.N), "wakeups/op") }()
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var reply []byte
			for next.Add(1) <= int64(b.N) {
				if err := echoCall(c, payload, &reply, mode); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func echoCall(c *geerpc.Client, payload []byte, reply *[]byte, mode string) error {
	if mode == plainCtx {
		return c.Call(context.Background(), "Foo.Echo", payload, reply)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if mode == madeCtx {
		ctx = context.Background()
	}
	return c.Call(ctx, "Foo.Echo", payload, reply)
}

// wakeups estimates the goroutine wake-ups of the process so far: the
// runtime samples one in 8 of a goroutine's switches from runnable to
// running into /sched/latencies:seconds, so 8 times its count.
func wakeups() float64 {
	s := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(s)
	var n uint64
	for _, c := range s[0].Value.Float64Histogram().Counts {
		n += c
	}
	return 8 * float64(n)
}
