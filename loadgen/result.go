package loadgen

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
)

// Outcome classifies how a call ended. Errors are data: every call, failed or
// not, yields a Result with an Outcome.
type Outcome uint8

// The outcomes, in the order reports list them.
const (
	OutcomeOK        Outcome = iota // the call returned nil and its reply checked out
	OutcomeTimeout                  // the call's deadline passed (context.DeadlineExceeded, net.Error.Timeout)
	OutcomeTransport                // the connection failed (geerpc.ErrShutdown, ErrNotSent, net and I/O errors)
	OutcomeServer                   // the server answered with an error (geerpc.ServerError)
	OutcomeCanceled                 // the call's context was canceled
	OutcomeInvalid                  // the call returned nil but its reply failed the Target's Check
	OutcomeOther                    // any other error
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"ok", "timeout", "transport", "server", "canceled", "invalid", "other"}

// String returns the outcome's name as used in reports: "ok", "timeout", ...
func (o Outcome) String() string {
	if o < numOutcomes {
		return outcomeNames[o]
	}
	return "unknown"
}

// MarshalText encodes the outcome as its name.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// Outcomes returns every outcome, in report order.
func Outcomes() []Outcome {
	all := make([]Outcome, numOutcomes)
	for i := range all {
		all[i] = Outcome(i)
	}
	return all
}

// Classify maps the error a call returned to its Outcome. A server's answer
// wins over everything else, then timeouts, cancellation and transport
// failures; anything unrecognised is OutcomeOther.
func Classify(err error) Outcome {
	var se geerpc.ServerError
	switch {
	case err == nil:
		return OutcomeOK
	case errors.As(err, &se):
		return OutcomeServer
	case errors.Is(err, context.DeadlineExceeded):
		return OutcomeTimeout
	case errors.Is(err, context.Canceled):
		return OutcomeCanceled
	case isTransport(err):
		return OutcomeTransport
	case isNetTimeout(err):
		return OutcomeTimeout
	}
	return OutcomeOther
}

// isTransport reports whether err says the connection failed.
func isTransport(err error) bool {
	var op *net.OpError
	for _, target := range []error{
		geerpc.ErrShutdown, geerpc.ErrNotSent, io.EOF, io.ErrUnexpectedEOF, io.ErrClosedPipe,
		net.ErrClosed, syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EPIPE, syscall.ECONNABORTED,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return errors.As(err, &op) && !op.Timeout()
}

// isNetTimeout reports whether err is a net.Error that timed out.
func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Result is the record of one call. Times are offsets from the start of the
// run (the start of its warm-up), read from the monotonic clock.
type Result struct {
	Seq      uint64        // the call's sequence number from 0; Echo targets send it as the nonce
	Method   string        // the service method called, e.g. "Echo.Echo"
	Instance string        // the instance an InstanceInvoker sent the call to, else the one its reply names; "" when unknown
	Due      time.Duration // when the call was due (open loop) or started (closed loop)
	Sent     time.Duration // when the call was handed to the Invoker
	Done     time.Duration // when the Invoker returned
	Outcome  Outcome       // how the call ended
	Err      error         // what the Invoker (or the Target's Check) returned; nil when OK
}

// Latency returns how long the call took from the time it was due, which
// includes any time it waited to be sent (coordinated omission corrected).
func (r *Result) Latency() time.Duration { return r.Done - r.Due }
