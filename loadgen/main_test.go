package loadgen

import (
	"context"
	"fmt"
	"runtime/metrics"
	"slices"
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

// starved is the lateness from which an attempt counts as starved of CPU:
// the 90th percentile of a 1ms timer's lateness, or of how long runnable
// goroutines waited to run. (Measured on a 2-core machine: about 0.1ms
// quiet, 0.3-0.6ms beside other builds, 1.3-6ms beside six busy loops.)
const starved = time.Millisecond

// retry runs check up to attempts times until it returns nil. If every
// attempt failed while the machine starved the process of CPU, the test is
// inconclusive and skipped, naming the starvation; one failed attempt on a
// machine that ran the process promptly fails it.
func retry(t *testing.T, check func() error) {
	t.Helper()
	var err error
	quiet := false
	for i := range attempts {
		timers, waits := timerLateness(), schedWaits()
		if err = check(); err == nil {
			timers()
			return
		}
		late, p90 := timers(), waits()
		quiet = quiet || max(late, p90) < starved
		t.Logf("attempt %d: %v (machine, 90th percentiles: 1ms timers %v late, goroutines waited %v to run)", i+1, err, late, p90)
	}
	if !quiet {
		t.Skipf("inconclusive: every attempt failed while the machine made timers or goroutines %v or more late: %v", starved, err)
	}
	t.Fatal(err)
}

// timerLateness starts a probe that sleeps 1ms over and over; the function
// it returns stops it and gives the 90th percentile of its wake-ups'
// lateness: what the machine (a shared CPU, the OS scheduler) adds to
// timers and wake-ups, a fake service time's included.
func timerLateness() func() time.Duration {
	stop, done := make(chan struct{}), make(chan []time.Duration)
	go func() {
		var lates []time.Duration
		t := time.NewTimer(time.Millisecond)
		defer t.Stop()
		for start := time.Now(); ; start = time.Now() {
			t.Reset(time.Millisecond)
			select {
			case <-stop:
				done <- lates
				return
			case <-t.C:
				lates = append(lates, time.Since(start)-time.Millisecond)
			}
		}
	}()
	return func() time.Duration {
		close(stop)
		lates := <-done
		if len(lates) == 0 {
			return 0
		}
		slices.Sort(lates)
		return lates[len(lates)*9/10]
	}
}

// schedWaits starts measuring how long runnable goroutines wait to run
// (runtime/metrics); the function it returns gives the 90th percentile of
// the waits since.
func schedWaits() func() time.Duration {
	read := func() *metrics.Float64Histogram {
		s := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
		metrics.Read(s)
		return s[0].Value.Float64Histogram()
	}
	before := read()
	return func() time.Duration {
		after := read()
		var total uint64
		for i, n := range after.Counts {
			total += n - before.Counts[i]
		}
		var seen uint64
		for i, n := range after.Counts {
			if seen += n - before.Counts[i]; total > 0 && seen*10 >= total*9 {
				return time.Duration(min(after.Buckets[i+1], 3600) * float64(time.Second)) // the last bucket ends at +Inf
			}
		}
		return 0
	}
}
