package geerpc

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Errors returned by clients and servers. Check them with errors.Is.
var (
	// ErrShutdown means the connection is closed or broke. A call made on
	// such a client fails with ErrShutdown itself, as in net/rpc (so
	// err == ErrShutdown works), and surely did not run; a call pending
	// when the connection broke fails with an error wrapping it and the
	// cause, and may have run.
	ErrShutdown = errors.New("geerpc: connection is shut down")
	// ErrNotSent is wrapped, beside the cause, when the server surely did not
	// execute a call: its request was never written, or the server refused it
	// unexecuted (ErrOverloaded, ErrDeadlinePassed). Such a call is safe to retry.
	ErrNotSent = errors.New("geerpc: request not sent")
	// ErrBadAddr means an address is not of the form protocol@addr.
	ErrBadAddr = errors.New("geerpc: bad address")
	// ErrBadMagic means a connection's Option has the wrong magic number.
	ErrBadMagic = errors.New("geerpc: invalid magic number")
	// ErrUnknownCodec means a connection's Option names a codec we lack.
	ErrUnknownCodec = errors.New("geerpc: unknown codec type")
	// ErrBadHandshake means the connection preamble could not be read.
	ErrBadHandshake = errors.New("geerpc: bad handshake")
	// ErrServerClosed is returned by Accept and Serve after Shutdown.
	ErrServerClosed = errors.New("geerpc: server closed")
	// ErrTimeout is wrapped by errors of connect and handle timeouts.
	ErrTimeout = errors.New("geerpc: timeout")
	// ErrRegister is wrapped by errors of Register and RegisterName.
	ErrRegister = errors.New("geerpc: register")
	// ErrOverloaded is the server's answer to a call beyond its limits of
	// calls in flight; the call did not run and may be retried.
	ErrOverloaded = errors.New("geerpc: server overloaded, retry later")
	// ErrDeadlinePassed is the server's answer to a call whose deadline had
	// passed when it was read; the call did not run.
	ErrDeadlinePassed = errors.New("rpc server: deadline exceeded before handling")
	// ErrTooManyConns is logged when a server refuses a connection beyond
	// ServerOptions.MaxConns.
	ErrTooManyConns = errors.New("geerpc: too many connections")
	// ErrTooManyPending is wrapped, beside ErrNotSent, when a client already
	// has Option.MaxPending calls waiting for replies.
	ErrTooManyPending = errors.New("geerpc: too many pending calls")
)

// handleTimeoutPrefix starts the server's answer to a call that overran
// its handle timeout.
const handleTimeoutPrefix = "rpc server: request handle timeout"

// ServerError is an error answered by the remote side: a handler's error or
// the server's own refusal (unknown method, handle timeout). Its text is
// carried verbatim.
type ServerError string

// Error returns the text the server sent.
func (e ServerError) Error() string { return string(e) }

// Is maps the server's own refusals back to their sentinels, so that
// errors.Is(err, ErrOverloaded), ErrDeadlinePassed (and
// context.DeadlineExceeded for it), ErrNotSent (for both: the call did not
// run) and ErrTimeout (a handle timeout) work across the wire.
func (e ServerError) Is(target error) bool {
	s := string(e)
	notRun := s == ErrOverloaded.Error() || s == ErrDeadlinePassed.Error()
	switch target {
	case ErrOverloaded, ErrDeadlinePassed:
		return s == target.Error()
	case context.DeadlineExceeded:
		return s == ErrDeadlinePassed.Error()
	case ErrNotSent:
		return notRun
	case ErrTimeout:
		return strings.HasPrefix(s, handleTimeoutPrefix)
	}
	return false
}

// timeoutError is a timeout that satisfies both errors.Is(err, ErrTimeout)
// and net.Error's Timeout.
type timeoutError struct{ msg string }

func (e *timeoutError) Error() string   { return e.msg }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return true }
func (e *timeoutError) Unwrap() error   { return ErrTimeout }

func newTimeout(format string, args ...any) error {
	return &timeoutError{msg: fmt.Sprintf(format, args...)}
}
