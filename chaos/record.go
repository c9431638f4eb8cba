package chaos

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/xclient"
	"github.com/geerpclab/geerpc/loadgen"
)

// Class is how a call ended, as the invariants classify it.
type Class string

// The classes. Every call must end ok with its own nonce or with one of the
// classified errors; invalid and other break the exactly-once invariant, and
// canceled does unless the run was interrupted.
const (
	ClassOK        Class = "ok"        // nil error, the reply's nonce is the call's
	ClassTimeout   Class = "timeout"   // the deadline passed, at the client or before the server handled it
	ClassTransport Class = "transport" // the connection failed: refused, reset, closed, not sent
	ClassServer    Class = "server"    // the server answered an error (an abort fault)
	ClassEjected   Class = "ejected"   // no instance left to try: all ejected, or discovery empty
	ClassCanceled  Class = "canceled"  // the run was interrupted
	ClassInvalid   Class = "invalid"   // nil error but the reply is another call's
	ClassOther     Class = "other"     // an error none of the above explains
)

// classes lists the classes in report order.
var classes = []Class{ClassOK, ClassTimeout, ClassTransport, ClassServer, ClassEjected, ClassCanceled, ClassInvalid, ClassOther}

// classify returns the class of a call that returned err.
func classify(err error, nonceOK bool) Class {
	var se geerpc.ServerError
	switch {
	case err == nil && nonceOK:
		return ClassOK
	case err == nil:
		return ClassInvalid
	case errors.Is(err, geerpc.ErrDeadlinePassed):
		return ClassTimeout // the server saw the deadline pass before handling it
	case errors.As(err, &se):
		return ClassServer
	case errors.Is(err, xclient.ErrNoInstances), errors.Is(err, xclient.ErrInstanceGone):
		return ClassEjected
	}
	switch loadgen.Classify(err) {
	case loadgen.OutcomeTimeout:
		return ClassTimeout
	case loadgen.OutcomeTransport:
		return ClassTransport
	case loadgen.OutcomeCanceled:
		return ClassCanceled
	}
	return ClassOther
}

// callRecord is one call as the client saw it.
type callRecord struct {
	seq        uint64
	start, end time.Duration // when the client was called and returned, from the start of the load
	deadline   time.Duration // the call's deadline, from the start of the load; 0 without one
	latency    time.Duration // from the call's due time (loadgen) to its end
	instance   string        // the instance of the last attempt; "" if none was tried
	attempts   int
	class      Class
	ends       int // times the client returned it
	observed   int // times loadgen reported it
}

// recorder collects the calls of one variant by sequence number.
type recorder struct {
	mu     sync.Mutex // protects following
	calls  map[uint64]*callRecord
	sample map[Class]string // one error text per class
}

func newRecorder() *recorder {
	return &recorder{calls: map[uint64]*callRecord{}, sample: map[Class]string{}}
}

func (r *recorder) get(seq uint64) *callRecord {
	c := r.calls[seq]
	if c == nil {
		c = &callRecord{}
		r.calls[seq] = c
	}
	return c
}

// ended records the client's return of call seq.
func (r *recorder) ended(seq uint64, c callRecord, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.get(seq)
	ends, observed, lat := rec.ends, rec.observed, rec.latency
	*rec = c
	rec.ends, rec.observed, rec.latency = ends+1, observed, lat
	if err != nil && r.sample[c.class] == "" {
		r.sample[c.class] = err.Error()
	}
}

// observe records loadgen's result of call seq.
func (r *recorder) observe(res loadgen.Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.get(res.Seq)
	rec.observed++
	rec.latency = res.Latency()
}

// records returns the calls, ordered by sequence number.
func (r *recorder) records() ([]callRecord, map[Class]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]callRecord, 0, len(r.calls))
	for seq, c := range r.calls {
		c.seq = seq
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b callRecord) int { return cmp.Compare(a.seq, b.seq) })
	sample := make(map[Class]string, len(r.sample))
	for k, v := range r.sample {
		sample[k] = v
	}
	return out, sample
}

// deadlineOf returns ctx's deadline as an offset on clk, or 0.
func deadlineOf(ctx context.Context, clk *clock) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return d.Sub(clk.t0)
	}
	return 0
}
