package xclient

import (
	"errors"
	"fmt"
	"strings"
)

// Errors of the xclient package. Check them with errors.Is.
var (
	// ErrNoInstances is returned (possibly wrapped) when discovery knows no
	// server.
	ErrNoInstances = errors.New("geerpc: no available servers")
	// ErrClosed is returned by calls on an XClient after Close.
	ErrClosed = errors.New("geerpc: xclient is closed")
	// ErrUnknownMode is returned by calls of an XClient made with a
	// SelectMode this package does not know.
	ErrUnknownMode = errors.New("geerpc: unknown select mode")
	// ErrNoHashKey is returned by ConsistentHashSelect when the call's
	// context carries no key; give one with WithHashKey.
	ErrNoHashKey = errors.New("geerpc: consistent hash select needs a key (use WithHashKey)")
	// ErrRetryBudget is wrapped, beside the last attempt's error, when a call
	// failed and was not retried because the retry budget was spent.
	ErrRetryBudget = errors.New("geerpc: retry budget exhausted")
	// ErrInstanceGone is wrapped, beside geerpc.ErrNotSent, when the picked
	// instance left discovery before the call could start.
	ErrInstanceGone = errors.New("geerpc: instance left discovery")
)

// InstanceError is the outcome of a broadcast on one instance.
type InstanceError struct {
	Addr string // the instance address
	Err  error  // what the call on that instance returned
}

// BroadcastError is returned by Broadcast when a call failed on some
// instance. Errors.Is and errors.As see the first failure; the calls that
// succeeded before the rest were cancelled are listed too.
type BroadcastError struct {
	// Failed lists the instances whose call failed on its own, first failure
	// first. Calls ended by Broadcast's own cancel are not listed here.
	Failed []InstanceError
	// Succeeded lists the instances whose call succeeded.
	Succeeded []string
	// Cancelled counts the calls cancelled after the first failure.
	Cancelled int
}

// Error describes the first failure and the counts of the others.
func (e *BroadcastError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "geerpc: broadcast failed on %d instance(s)", len(e.Failed))
	fmt.Fprintf(&b, " (%d succeeded, %d cancelled)", len(e.Succeeded), e.Cancelled)
	if len(e.Failed) > 0 {
		fmt.Fprintf(&b, ": %s: %v", e.Failed[0].Addr, e.Failed[0].Err)
	}
	return b.String()
}

// Unwrap returns the first failure.
func (e *BroadcastError) Unwrap() error {
	if len(e.Failed) == 0 {
		return nil
	}
	return e.Failed[0].Err
}
