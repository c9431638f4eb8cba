package chaos

import (
	"errors"
	"fmt"
)

// Errors of the chaos package. Check them with errors.Is.
var (
	// ErrInvalidScenario is wrapped by every *FieldError: the scenario was
	// rejected before anything started.
	ErrInvalidScenario = errors.New("chaos: invalid scenario")
	// ErrInjectedAbort is the error an abort call fault answers with. Clients
	// see it as a geerpc.ServerError carrying this text.
	ErrInjectedAbort = errors.New("chaos: injected abort")
	// ErrReplyDropped, beside geerpc.ErrNoReply, is what the middleware
	// returns for a call whose reply it drops; nothing reaches the client.
	ErrReplyDropped = errors.New("chaos: reply dropped")
	// ErrRequestDropped, beside geerpc.ErrNoReply, is what the middleware
	// returns for a call whose request it drops; the method never ran.
	ErrRequestDropped = errors.New("chaos: request dropped")
	// ErrInterrupted is wrapped by Run's error when its context ended before
	// the run did; the Result still holds what was measured.
	ErrInterrupted = errors.New("chaos: run interrupted")
	// ErrFault is wrapped when a fault could not be applied or restored.
	ErrFault = errors.New("chaos: fault failed")
)

// FieldError names the scenario field that made a scenario invalid. It
// wraps ErrInvalidScenario.
type FieldError struct {
	Scenario string // the scenario's name; empty when it was not read yet
	Field    string // the field, as in "faults[2].window"
	Reason   string // what is wrong with it
}

// Error returns, e.g., `chaos: scenario "x": faults[2].window: ends at 40s,
// after the run's 30s`.
func (e *FieldError) Error() string {
	if e.Scenario == "" {
		return fmt.Sprintf("chaos: scenario: %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("chaos: scenario %q: %s: %s", e.Scenario, e.Field, e.Reason)
}

// Unwrap returns ErrInvalidScenario.
func (e *FieldError) Unwrap() error { return ErrInvalidScenario }
