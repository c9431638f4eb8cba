package geerpc

import (
	"errors"
	"fmt"
)

// Errors returned by clients and servers. Check them with errors.Is.
var (
	// ErrShutdown means the connection is closed or broke; every pending call
	// fails with an error wrapping it.
	ErrShutdown = errors.New("geerpc: connection is shut down")
	// ErrNotSent is wrapped, beside the cause, when a call failed before its
	// request was written: the server surely did not execute it.
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
)

// ServerError is an error answered by the remote side: a handler's error or
// the server's own refusal (unknown method, handle timeout). Its text is
// carried verbatim.
type ServerError string

// Error returns the text the server sent.
func (e ServerError) Error() string { return string(e) }

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
