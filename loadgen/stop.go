package loadgen

import (
	"context"
	"errors"
	"fmt"
)

// StopReason says why a run stopped sending calls.
type StopReason uint8

// The stop reasons.
const (
	StopNone     StopReason = iota // the run has not stopped
	StopDuration                   // Options.Duration elapsed
	StopCount                      // Options.Count calls were sent
	StopCanceled                   // the run's context was canceled
	StopDeadline                   // the run's context's deadline passed
	StopPacer                      // the pacer had no more calls
)

var stopCodes = []string{"none", "duration", "count", "canceled", "deadline", "pacer"}

var stopTexts = []string{
	"not stopped", "duration reached", "count reached",
	"context canceled", "context deadline exceeded", "pacer finished",
}

// String describes the reason, as in "duration reached".
func (s StopReason) String() string {
	if int(s) < len(stopTexts) {
		return stopTexts[s]
	}
	return fmt.Sprintf("stop reason %d", s)
}

// MarshalText encodes the reason as its code: "duration", "count",
// "canceled", "deadline", "pacer" ("none" before a stop, "unknown" for
// values outside these).
func (s StopReason) MarshalText() ([]byte, error) {
	if int(s) < len(stopCodes) {
		return []byte(stopCodes[s]), nil
	}
	return []byte("unknown"), nil
}

// stopFor returns the reason matching a context's error.
func stopFor(err error) StopReason {
	if errors.Is(err, context.DeadlineExceeded) {
		return StopDeadline
	}
	return StopCanceled
}
