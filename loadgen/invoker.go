package loadgen

import "context"

// Invoker makes one call and waits for its reply. A *geerpc.Client and an
// *xclient.XClient are Invokers; so is any adapter or fake with this method.
// Call must be safe for concurrent use and must return when ctx ends.
type Invoker interface {
	Call(ctx context.Context, serviceMethod string, args, reply any) error
}

// InvokerFunc adapts a function to the Invoker interface.
type InvokerFunc func(ctx context.Context, serviceMethod string, args, reply any) error

// Call calls f.
func (f InvokerFunc) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	return f(ctx, serviceMethod, args, reply)
}

var _ Invoker = InvokerFunc(nil)
