package chaos

import "errors"

// Errors of the chaos runner. Check them with errors.Is; a rejected scenario
// is a *scenario.FieldError.
var (
	// ErrInjectedAbort is the error an abort call fault answers with. Clients
	// see it as a geerpc.ServerError carrying this text.
	ErrInjectedAbort = errors.New("geerpc: chaos: injected abort")
	// ErrReplyDropped, beside geerpc.ErrNoReply, is what the middleware
	// returns for a call whose reply it drops; nothing reaches the client.
	ErrReplyDropped = errors.New("geerpc: chaos: reply dropped")
	// ErrRequestDropped, beside geerpc.ErrNoReply, is what the middleware
	// returns for a call whose request it drops; the method never ran.
	ErrRequestDropped = errors.New("geerpc: chaos: request dropped")
	// ErrInterrupted is wrapped by Run's error when its context ended before
	// the run did; the Result still holds what was measured.
	ErrInterrupted = errors.New("geerpc: chaos: run interrupted")
	// ErrFault is wrapped when a fault could not be applied or restored.
	ErrFault = errors.New("geerpc: chaos: fault failed")
)
