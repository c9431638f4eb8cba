package demo

import (
	"context"
	"fmt"
	"time"
)

// WorkArgs is the request of Work.Sleep.
type WorkArgs struct {
	Duration time.Duration // how long to sleep, before the instance's extra latency
}

// WorkReply is the answer of Work.Sleep.
type WorkReply struct {
	Slept    time.Duration // how long the call slept, extra latency included
	Instance string        // the instance that served the call
}

// Work simulates a service with a service time.
type Work struct {
	s *state
}

// Sleep sleeps for args.Duration plus the instance's configured extra latency
// and reports how long it slept. It stops early, returning an error that
// wraps ctx.Err(), when ctx ends.
func (w *Work) Sleep(ctx context.Context, args WorkArgs, reply *WorkReply) error {
	if args.Duration < 0 {
		return ErrNegativeDuration
	}
	reply.Instance = w.s.instance
	d := args.Duration + w.s.Latency()
	if d <= 0 {
		return nil
	}
	start := time.Now()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		reply.Slept = time.Since(start)
		return nil
	case <-ctx.Done():
		reply.Slept = time.Since(start)
		return fmt.Errorf("geerpc: demo: sleep interrupted after %v: %w", reply.Slept, ctx.Err())
	}
}
