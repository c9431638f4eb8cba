package loadgen

import "context"

// Invoker makes one call and waits for its reply. A *geerpc.Client and an
// *xclient.XClient are Invokers; so is any adapter or fake with this method.
// Call must be safe for concurrent use and must return when ctx ends.
type Invoker interface {
	Call(ctx context.Context, serviceMethod string, args, reply any) error
}

// InstanceInvoker is an Invoker that also says which instance it sent each
// call to, as *xclient.XClient does. Run counts every call of an
// InstanceInvoker, failed or not, under that instance, whatever the reply
// says or fails to say; a plain Invoker's calls are counted under the
// instance their reply names, and failed ones under "".
type InstanceInvoker interface {
	Invoker
	// CallInstance is Call that also returns the instance the call went to:
	// the one that answered, or the last one tried when it failed; "" when
	// there was none to try.
	CallInstance(ctx context.Context, serviceMethod string, args, reply any) (instance string, err error)
}

// InvokerFunc adapts a function to the Invoker interface.
type InvokerFunc func(ctx context.Context, serviceMethod string, args, reply any) error

// Call calls f.
func (f InvokerFunc) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	return f(ctx, serviceMethod, args, reply)
}

var _ Invoker = InvokerFunc(nil)
