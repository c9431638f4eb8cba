package chaos

import (
	"context"
	"time"

	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/internal/pause"
)

// Interceptor returns the server middleware that puts Echo.Echo and
// Work.Sleep calls through the injector's faults; Arith is left alone. Each
// Echo call takes serviceTime before the method runs; stop ends waits when
// the instance stops. Echo calls key the fault draw by their nonce, Work
// calls by their arrival order.
func (c *CallInjector) Interceptor(serviceTime time.Duration, stop <-chan struct{}) geerpc.Interceptor {
	return func(ctx context.Context, call *geerpc.ServerCall, next func(context.Context) error) error {
		switch call.ServiceMethod {
		case "Echo.Echo":
			args, _ := call.Args.(demo.EchoArgs)
			return c.Do(ctx, args.Nonce, true, stop, func() error {
				if serviceTime > 0 && !pause.ForOr(ctx, stop, serviceTime) {
					return context.Cause(ctx)
				}
				return next(ctx)
			})
		case "Work.Sleep":
			return c.Do(ctx, 0, false, stop, func() error { return next(ctx) })
		}
		return next(ctx)
	}
}

// newFaultyServer returns a server of the demo services svc behind the
// injector's faults.
func newFaultyServer(svc *demo.Services, inj *CallInjector, serviceTime time.Duration, stop <-chan struct{}) (*geerpc.Server, error) {
	srv := geerpc.NewServerWithOptions(geerpc.ServerOptions{Interceptor: inj.Interceptor(serviceTime, stop)})
	return srv, svc.Register(srv)
}
