package chaos

import (
	"context"
	"time"

	"github.com/geerpclab/geerpc/demo"
)

// Services are one instance's demo services behind a CallInjector: Echo and
// Work wrap demo's and register under the same names and method names
// (taking the leading context the core passes), so clients cannot tell them
// apart; Arith is demo's own, without faults.
type Services struct {
	Arith *demo.Arith
	Echo  *Echo
	Work  *Work
}

// NewServices wraps d's services. Each Echo call takes serviceTime before it
// answers; stop ends the waits of held calls when the instance stops.
func NewServices(d *demo.Services, inj *CallInjector, serviceTime time.Duration, stop <-chan struct{}) *Services {
	st := &wrapState{inj: inj, serviceTime: serviceTime, stop: stop}
	return &Services{Arith: d.Arith, Echo: &Echo{inner: d.Echo, st: st}, Work: &Work{inner: d.Work, st: st}}
}

// Register registers Arith, Echo and Work on r under their type names.
func (s *Services) Register(r demo.Registrar) error {
	for _, rcvr := range []any{s.Arith, s.Echo, s.Work} {
		if err := r.Register(rcvr); err != nil {
			return err
		}
	}
	return nil
}

// wrapState is what the wrappers of one instance share.
type wrapState struct {
	inj         *CallInjector
	serviceTime time.Duration
	stop        <-chan struct{}
}

// Echo is demo.Echo behind the instance's call faults.
type Echo struct {
	inner *demo.Echo
	st    *wrapState
}

// Echo takes the instance's service time, then answers as demo's Echo does,
// unless a call fault hits it; the nonce keys the fault draw.
func (e *Echo) Echo(ctx context.Context, args demo.EchoArgs, reply *demo.EchoReply) error {
	return e.st.inj.Do(ctx, args.Nonce, true, e.st.stop, func() error {
		if e.st.serviceTime > 0 && !wait(ctx, e.st.stop, e.st.serviceTime) {
			return context.Cause(ctx)
		}
		return e.inner.Echo(args, reply)
	})
}

// Work is demo.Work behind the instance's call faults.
type Work struct {
	inner *demo.Work
	st    *wrapState
}

// Sleep answers as demo's Work.Sleep does, unless a call fault hits it; the
// arrival order keys the fault draw.
func (w *Work) Sleep(ctx context.Context, args demo.WorkArgs, reply *demo.WorkReply) error {
	return w.st.inj.Do(ctx, 0, false, w.st.stop, func() error {
		return w.inner.Sleep(ctx, args, reply)
	})
}
