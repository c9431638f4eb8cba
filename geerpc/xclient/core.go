package xclient

import (
	"context"
	"errors"

	"github.com/geerpclab/geerpc/geerpc"
)

// errNotSent marks errors of calls that surely did not run.
var errNotSent = geerpc.ErrNotSent

var _ rpcClient = (*geerpc.Client)(nil)

// isServerError reports whether err is the remote side's answer.
func isServerError(err error) bool {
	var se geerpc.ServerError
	return errors.As(err, &se)
}

// coreDial returns the dial of o: the test seam, Options.Dial, or
// geerpc.XDialContext with DialOption.
func (o *Options) coreDial() dialFunc {
	if o.dial != nil {
		return o.dial
	}
	if o.Dial != nil {
		user := o.Dial
		return func(ctx context.Context, addr string) (rpcClient, error) {
			c, err := user(ctx, addr)
			if err != nil {
				return nil, err
			}
			return c, nil
		}
	}
	opt := o.DialOption
	return func(ctx context.Context, addr string) (rpcClient, error) {
		c, err := geerpc.XDialContext(ctx, addr, opt)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
}
