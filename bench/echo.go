package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geerpclab/geerpc/demo"
)

// EchoResult is what one closed-loop Echo run measured.
type EchoResult struct {
	Calls   int
	Errors  int
	Elapsed time.Duration
	P50     time.Duration
	P99     time.Duration
}

// Throughput is calls per second.
func (r EchoResult) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Calls) / r.Elapsed.Seconds()
}

// Echo makes calls Echo.Echo calls of a payload of size bytes from callers
// goroutines sharing c, and checks that every reply carries its nonce.
func Echo(ctx context.Context, c Caller, callers, calls, size int) (EchoResult, error) {
	var next atomic.Int64
	lat := make([][]time.Duration, callers)
	errs := make([]int, callers)
	var firstErr atomic.Value
	payload := make([]byte, size)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > int64(calls) || ctx.Err() != nil {
					return
				}
				if err := echoOnce(ctx, c, uint64(n), payload, &lat[w]); err != nil {
					errs[w]++
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	r := EchoResult{Calls: calls, Elapsed: time.Since(start)}
	r.summarise(lat, errs)
	if err, _ := firstErr.Load().(error); err != nil {
		return r, err
	}
	return r, ctx.Err()
}

func echoOnce(ctx context.Context, c Caller, nonce uint64, payload []byte, lat *[]time.Duration) error {
	var reply demo.EchoReply
	t0 := time.Now()
	err := c.Call(ctx, "Echo.Echo", demo.EchoArgs{Nonce: nonce, Payload: payload}, &reply)
	*lat = append(*lat, time.Since(t0))
	if err == nil && (reply.Nonce != nonce || len(reply.Payload) != len(payload)) {
		err = fmt.Errorf("geerpc: bench: reply for nonce %d carried nonce %d and %d bytes", nonce, reply.Nonce, len(reply.Payload))
	}
	return err
}

func (r *EchoResult) summarise(lat [][]time.Duration, errs []int) {
	all := slices.Concat(lat...)
	slices.Sort(all)
	r.P50, r.P99 = quantile(all, 0.50), quantile(all, 0.99)
	for _, e := range errs {
		r.Errors += e
	}
}

// quantile returns the q-quantile of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
