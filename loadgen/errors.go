package loadgen

import "errors"

// Errors of the loadgen package. Check them with errors.Is.
var (
	// ErrInvalidOptions is wrapped by Run when its Options cannot describe a
	// run; the wrapping error names the field.
	ErrInvalidOptions = errors.New("geerpc: loadgen: invalid options")
	// ErrBadReply is wrapped by a Target's Check when a reply does not match
	// its call (wrong nonce, payload or sum); such calls count as
	// OutcomeInvalid.
	ErrBadReply = errors.New("geerpc: loadgen: reply does not match its call")
)
