package xclient

import (
	"context"

	"github.com/geerpclab/geerpc/geerpc"
)

// Go invokes serviceMethod asynchronously, as Call does (balancing, fail
// mode, retries), and returns the Call that done receives when it is
// complete. If done is nil, Go allocates a channel; otherwise it must be
// buffered, or Go panics. Like net/rpc, a full done channel drops the
// signal. Call.Sent is false when the call surely did not run.
func (x *XClient) Go(ctx context.Context, serviceMethod string, args, reply any, done chan *geerpc.Call) *geerpc.Call {
	if done == nil {
		done = make(chan *geerpc.Call, 1)
	} else if cap(done) == 0 {
		panic("geerpc: done channel is unbuffered")
	}
	call := &geerpc.Call{ServiceMethod: serviceMethod, Args: args, Reply: reply, Done: done}
	go func() {
		_, call.Sent, call.Error = x.call(ctx, serviceMethod, args, reply)
		select {
		case done <- call:
		default:
		}
	}()
	return call
}
