package xclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
)

// failurePenalty is the latency recorded for a transport error or timeout
// when no peer has an estimate, and the most ever recorded for one.
const failurePenalty = time.Second

// penaltyFactor scales the peers' mean cost into the latency a failure
// records: ten times what a call to a peer costs now, so that P2C stays
// away for a couple of decay constants (ln 10 ≈ 2.3). It is the peers'
// cost, their latency times their calls in flight plus one, not their
// latency alone: under load a peer's queue makes it cost tens of its
// latencies, and ten latencies let an instance whose calls all time out
// look as cheap as a queue (TestP2CSlowInstanceUnderLoad: 0.38% of the
// calls at 100 in flight went to an instance slowed past the deadline; now
// 0.007%).
// Idle, the cost is the latency, so one failed call on a stale connection
// does not keep a restarted 1ms instance out for seven decay constants, as
// a fixed second did.
const penaltyFactor = 10

// failureLatency is the latency a failed attempt on e records.
func (x *XClient) failureLatency(e *Endpoint, now int64) time.Duration {
	mean := x.peersMean(e, now, (*Endpoint).cost)
	if mean == 0 {
		return failurePenalty
	}
	return min(failurePenalty, time.Duration(penaltyFactor*mean))
}

// pickTries bounds the balancer picks of one attempt that may land on an
// instance already tried (failover) or just gone from discovery.
const pickTries = 3

// callState is one call of Call or Go across its attempts.
type callState struct {
	ctx         context.Context
	method      string
	args, reply any
	idempotent  bool

	last     *Endpoint // the instance of the last attempt
	attempts int
	hedged   bool
	// the instances tried: the first few in an array, so that the state
	// stays on the stack
	tried     [4]*Endpoint
	ntried    int
	triedMore []*Endpoint
}

// Call invokes serviceMethod on one instance chosen by the balancer, and
// retries by the fail mode. The context bounds the whole call, retries
// included; see WithHashKey, WithIdempotent and WithCallInfo for what it
// may carry.
func (x *XClient) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	_, _, err := x.call(ctx, serviceMethod, args, reply)
	return err
}

// CallInstance is Call that also returns the instance (protocol@addr) the
// balancer sent the call to: the one that answered, or the last one tried
// when the call failed; "" when there was no instance to try. It is what
// a load generator counts the call under, whatever the reply says, and
// costs nothing more than Call.
func (x *XClient) CallInstance(ctx context.Context, serviceMethod string, args, reply any) (string, error) {
	addr, _, err := x.call(ctx, serviceMethod, args, reply)
	return addr, err
}

// call runs Call. It returns the instance of the last attempt ("" if
// none) and whether a request may have gone out, and fills the context's
// CallInfo.
func (x *XClient) call(ctx context.Context, serviceMethod string, args, reply any) (addr string, sent bool, err error) {
	s := callState{ctx: ctx, method: serviceMethod, args: args, reply: reply}
	s.idempotent = x.opt.Idempotent || isIdempotent(ctx)
	err = x.invoke(&s)
	if s.last != nil {
		addr = s.last.addr
	}
	if info := callInfoFrom(ctx); info != nil {
		info.Addr, info.Attempts, info.Hedged = addr, s.attempts, s.hedged
	}
	return addr, s.attempts > 0 && (err == nil || !errors.Is(err, errNotSent)), err
}

// invoke runs the attempts of a call.
func (x *XClient) invoke(s *callState) error {
	if x.closed.Load() {
		return ErrClosed
	}
	if err := x.refresh(); err != nil {
		return err
	}
	x.budget.deposit()
	for n := 0; ; n++ {
		e, err := x.choose(s)
		if err != nil {
			return err
		}
		err = x.try(s, e)
		if err == nil {
			return nil
		}
		if err = x.retryOrStop(s, err, n); err != nil {
			return err
		}
	}
}

// retryOrStop decides after failed attempt n: nil means retry (after the
// backoff), otherwise the error to return.
func (x *XClient) retryOrStop(s *callState, err error, n int) error {
	switch {
	case x.opt.FailMode == Failfast, n+1 >= x.opt.MaxAttempts, s.ctx.Err() != nil:
		return err
	case !retrySafe(err, s.idempotent):
		return err
	case !x.budget.withdraw():
		return fmt.Errorf("%w: %w", ErrRetryBudget, err)
	case !sleep(s.ctx, backoffDelay(x.opt.BackoffBase, x.opt.BackoffMax, n, x.rng)):
		return err
	}
	return nil
}

// retrySafe reports whether a call that failed with err may run again:
// when it surely did not run, or when it is idempotent and the server did
// not answer it.
func retrySafe(err error, idempotent bool) bool {
	if errors.Is(err, errNotSent) || err == geerpc.ErrShutdown { //nolint:errorlint // itself: the client was closed before sending
		return true
	}
	return idempotent && !isServerError(err) && !errors.Is(err, context.Canceled)
}

// choose returns the endpoint of the next attempt, acquired: with Failtry
// the last one, else an ejected instance due for a trial, else the
// balancer's pick, preferring one not tried yet.
func (x *XClient) choose(s *callState) (*Endpoint, error) {
	if x.opt.FailMode == Failtry && s.last != nil && s.last.acquire() {
		return s.last, nil
	}
	if e := x.trial(s); e != nil {
		return e, nil
	}
	var fallback *Endpoint
	for range pickTries {
		e, err := x.bal.Pick(s.ctx)
		if err != nil {
			return nil, err
		}
		if !s.wasTried(e) && e.acquire() {
			return e, nil
		}
		fallback = e
	}
	if e := x.untried(s); e != nil {
		return e, nil
	}
	if fallback.acquire() {
		return fallback, nil
	}
	return nil, fmt.Errorf("%w: %w: %s", errNotSent, ErrInstanceGone, fallback.addr)
}

func (s *callState) addTried(e *Endpoint) {
	if s.ntried < len(s.tried) {
		s.tried[s.ntried] = e
	} else {
		s.triedMore = append(s.triedMore, e)
	}
	s.ntried++
}

func (s *callState) wasTried(e *Endpoint) bool {
	for _, t := range s.tried[:min(s.ntried, len(s.tried))] {
		if t == e {
			return true
		}
	}
	for _, t := range s.triedMore {
		if t == e {
			return true
		}
	}
	return false
}

// untried returns, acquired, an instance that is neither ejected nor tried,
// scanning from a random start; nil if there is none.
func (x *XClient) untried(s *callState) *Endpoint {
	eps := x.view.Load().eps
	start := 0
	if len(eps) > 0 {
		start = x.rng.intN(len(eps))
	}
	for i := range eps {
		e := eps[(start+i)%len(eps)]
		if !e.ejected.Load() && !s.wasTried(e) && e.acquire() {
			return e
		}
	}
	return nil
}

// try runs one attempt of s on e, acquired, and releases e.
func (x *XClient) try(s *callState, e *Endpoint) error {
	s.last = e
	s.attempts++
	s.addTried(e)
	if x.opt.HedgeDelay > 0 && s.idempotent {
		return x.hedge(s, e)
	}
	defer e.release()
	return x.attempt(s.ctx, e, s.method, s.args, s.reply)
}

// attempt sends one request to e and records the outcome in e's latency
// and failure counts.
func (x *XClient) attempt(ctx context.Context, e *Endpoint, method string, args, reply any) error {
	c, err := x.client(ctx, e)
	if err != nil {
		x.observe(e, err, 0, nanotime())
		return err
	}
	if x.opt.AttemptTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, x.opt.AttemptTimeout)
		defer cancel()
	}
	start := nanotime()
	err = c.Call(ctx, method, args, reply)
	end := nanotime()
	x.observe(e, err, time.Duration(end-start), end)
	return err
}

// observe records an attempt's outcome at now. The server's answer, error or not,
// shows the instance works; a cancel says nothing about it; anything else
// (transport error, timeout) counts toward ejection.
func (x *XClient) observe(e *Endpoint, err error, rtt time.Duration, now int64) {
	switch {
	case err == nil || isServerError(err):
		x.noteSuccess(e, rtt, now)
	case errors.Is(err, context.Canceled):
		x.noteCanceled(e)
	default:
		e.lat.observe(max(rtt, x.failureLatency(e, now)), now)
		x.noteFailure(e)
	}
}
