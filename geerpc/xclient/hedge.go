package xclient

import (
	"context"
	"reflect"
	"time"
)

// hedgeResult is the outcome of one request of a hedged attempt.
type hedgeResult struct {
	e      *Endpoint
	reply  any
	err    error
	backup bool
}

// hedge runs an attempt on first and, when no answer came within
// HedgeDelay and the budget allows, a backup request on another instance.
// The first success wins and cancels the other. Each request decodes into
// its own reply, copied to the caller's only for the winner; hedge returns
// after both requests ended.
func (x *XClient) hedge(s *callState, first *Endpoint) error {
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	results := make(chan hedgeResult, 2)
	req := request{method: s.method, args: s.args, reply: s.reply}
	go x.hedgeRequest(ctx, req, first, false, results)
	running := 1
	timer := time.NewTimer(x.opt.HedgeDelay)
	defer timer.Stop()
	var firstErr error
	for running > 0 {
		select {
		case r := <-results:
			running--
			if r.err == nil {
				cancel()
				drain(results, running)
				x.won(s, r)
				return nil
			}
			firstErr = cmpErr(firstErr, r.err)
		case <-timer.C:
			if e := x.backupTarget(s); e != nil {
				running++
				go x.hedgeRequest(ctx, req, e, true, results)
			}
		}
	}
	return firstErr
}

// request is what a hedged request goroutine needs of its call, copied so
// that the call's state stays on its caller's stack.
type request struct {
	method      string
	args, reply any
}

// hedgeRequest runs one request of a hedged attempt on e, acquired.
func (x *XClient) hedgeRequest(ctx context.Context, req request, e *Endpoint, backup bool, out chan<- hedgeResult) {
	defer e.release()
	reply := newReplyLike(req.reply)
	err := x.attempt(ctx, e, req.method, req.args, reply)
	out <- hedgeResult{e: e, reply: reply, err: err, backup: backup}
}

// backupTarget returns the acquired instance of a backup request, or nil
// when the budget is spent or no other instance is left.
func (x *XClient) backupTarget(s *callState) *Endpoint {
	if !x.budget.withdraw() {
		return nil
	}
	e, err := x.choose(s)
	if err != nil {
		return nil
	}
	if s.wasTried(e) {
		e.release()
		return nil
	}
	s.attempts++
	s.addTried(e)
	return e
}

// won copies the winning reply to the caller's.
func (x *XClient) won(s *callState, r hedgeResult) {
	s.last, s.hedged = r.e, r.backup
	copyReply(s.reply, r.reply)
}

func drain(results <-chan hedgeResult, n int) {
	for range n {
		<-results
	}
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// newReplyLike returns a new value of the type reply points to, or nil.
func newReplyLike(reply any) any {
	if reply == nil {
		return nil
	}
	t := reflect.TypeOf(reply)
	if t.Kind() != reflect.Pointer {
		return reply
	}
	return reflect.New(t.Elem()).Interface()
}

// copyReply sets *dst to *src when both are pointers of one type.
func copyReply(dst, src any) {
	if dst == nil || src == nil {
		return
	}
	dv, sv := reflect.ValueOf(dst), reflect.ValueOf(src)
	if dv.Kind() == reflect.Pointer && sv.Type() == dv.Type() && dv != sv {
		dv.Elem().Set(sv.Elem())
	}
}
