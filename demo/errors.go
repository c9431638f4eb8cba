package demo

import "errors"

// Errors returned by the demo services. They cross the wire as text, where a
// client sees them as a geerpc.ServerError with the same message.
var (
	// ErrDivideByZero is returned by Arith.Div when B is 0. Its text is
	// exactly "divide by zero", the message of the original tutorial, so
	// clients of either framework see the same server error.
	ErrDivideByZero = errors.New("divide by zero")
	// ErrNegativeDuration is returned by Work.Sleep when asked to sleep for a
	// negative duration.
	ErrNegativeDuration = errors.New("geerpc: demo: negative sleep duration")
)
