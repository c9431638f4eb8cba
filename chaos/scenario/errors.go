package scenario

import (
	"errors"
	"fmt"
)

// ErrInvalidScenario is wrapped by every *FieldError: the scenario was
// rejected before anything started. Check it with errors.Is.
var ErrInvalidScenario = errors.New("geerpc: invalid scenario")

// FieldError names the scenario field that made a scenario invalid. It
// wraps ErrInvalidScenario.
type FieldError struct {
	Scenario string // the scenario's name; empty when it was not read yet
	Field    string // the field, as in "faults[2].window"
	Reason   string // what is wrong with it
}

// Error returns, e.g., `geerpc: scenario "x": faults[2].window: ends at 40s,
// after the run's 30s`.
func (e *FieldError) Error() string {
	if e.Scenario == "" {
		return fmt.Sprintf("geerpc: scenario: %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("geerpc: scenario %q: %s: %s", e.Scenario, e.Field, e.Reason)
}

// Unwrap returns ErrInvalidScenario.
func (e *FieldError) Unwrap() error { return ErrInvalidScenario }
