package xclient

import (
	"context"
	"errors"
)

// PLACEHOLDER until the core package builds.
var errNotSent = errors.New("geerpc: request not sent")

type serverError string

func (e serverError) Error() string { return string(e) }

func isServerError(err error) bool {
	var se serverError
	return errors.As(err, &se)
}

func (o *Options) coreDial() dialFunc {
	return func(ctx context.Context, addr string) (rpcClient, error) {
		return nil, errors.New("core not ready")
	}
}
