package loadgen

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/demo"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeInvoker answers Echo, Work and Arith calls in memory after a fixed
// service time, naming instances round robin by nonce.
type fakeInvoker struct {
	latency   time.Duration
	instances []string
	swap      bool // answer with the wrong nonce every 10th call
	calls     atomic.Int64
}

func (f *fakeInvoker) Call(ctx context.Context, method string, args, reply any) error {
	n := f.calls.Add(1)
	if err := sleepCtx(ctx, f.latency); err != nil {
		return fmt.Errorf("fake: %w", err)
	}
	switch a := args.(type) {
	case demo.EchoArgs:
		r := reply.(*demo.EchoReply)
		r.Nonce, r.Payload, r.Instance = a.Nonce, a.Payload, f.instance(a.Nonce)
		if f.swap && n%10 == 0 {
			r.Nonce++
		}
	case demo.WorkArgs:
		reply.(*demo.WorkReply).Instance = f.instance(uint64(n))
	case demo.Args:
		*reply.(*int) = a.A + a.B
	}
	return nil
}

func (f *fakeInvoker) instance(n uint64) string {
	if len(f.instances) == 0 {
		return ""
	}
	return f.instances[n%uint64(len(f.instances))]
}

// sleepCtx sleeps d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stallInvoker holds every call that arrives during [from, to) after its
// first call until to, as a server that stops answering for a while.
type stallInvoker struct {
	inner    Invoker
	from, to time.Duration
	once     sync.Once
	start    time.Time
}

func (s *stallInvoker) Call(ctx context.Context, method string, args, reply any) error {
	s.once.Do(func() { s.start = time.Now() })
	if at := time.Since(s.start); at >= s.from && at < s.to {
		if err := sleepCtx(ctx, s.to-at); err != nil {
			return err
		}
	}
	return s.inner.Call(ctx, method, args, reply)
}

// mustRun runs and fails the test on invalid options.
func mustRun(t testing.TB, ctx context.Context, inv Invoker, o Options) *Metrics {
	t.Helper()
	m, err := Run(ctx, inv, o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// within reports whether got is within frac of want.
func within(got, want, frac float64) bool {
	return got >= want*(1-frac) && got <= want*(1+frac)
}

func atomicAdd(p *int64) int64 { return atomic.AddInt64(p, 1) }

type atomicCounter struct{ n atomic.Int64 }

func (c *atomicCounter) add()       { c.n.Add(1) }
func (c *atomicCounter) get() int64 { return c.n.Load() }

// attempts bounds the runs of a timing-sensitive accuracy test. The machine
// is shared: a neighbour's burst can starve the run of CPU, and the tool then
// truthfully reports latencies the service did not cause. A systematic error
// fails every attempt; a starved run is retried.
const attempts = 3

// retry runs check up to attempts times until it returns nil.
func retry(t *testing.T, check func() error) {
	t.Helper()
	var err error
	for i := range attempts {
		if err = check(); err == nil {
			return
		}
		t.Logf("attempt %d: %v", i+1, err)
	}
	t.Fatal(err)
}
