package soak

import "errors"

// Errors of the soak package. Check them with errors.Is.
var (
	// ErrInterrupted is wrapped by Run's error when its context ended before
	// the soak did; the Result still holds what was measured.
	ErrInterrupted = errors.New("geerpc: soak: interrupted")
	// ErrFailed is wrapped by the error of a Result whose checks failed.
	ErrFailed = errors.New("geerpc: soak: failed")
	// ErrOptions is wrapped when Options are invalid.
	ErrOptions = errors.New("geerpc: soak: invalid options")
)
