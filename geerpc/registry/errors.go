package registry

import "errors"

// ErrBadURL is wrapped by errors about a registry URL that is not an
// absolute http or https URL with a host.
var ErrBadURL = errors.New("geerpc: malformed registry URL")

// ErrBadAddr is wrapped by errors about a server address that is not
// protocol@host:port or unix@path, or is longer than MaxAddrLen bytes.
var ErrBadAddr = errors.New("geerpc: malformed server address")

// ErrBadWeight is wrapped by errors about a weight outside 1..MaxWeight.
var ErrBadWeight = errors.New("geerpc: malformed server weight")

// ErrRegistryFull is wrapped when the registry holds its maximum number of
// instances and refuses a new one (HTTP 507).
var ErrRegistryFull = errors.New("geerpc: registry is full")

// ErrUnauthorized is wrapped when a write reached the registry without the
// token it requires, or with a wrong one (HTTP 401).
var ErrUnauthorized = errors.New("geerpc: registry token missing or wrong")

// ErrStatus is wrapped when the registry answered with a status outside 2xx.
// The more precise sentinels above are wrapped beside it when they apply.
var ErrStatus = errors.New("geerpc: registry answered an error status")

// ErrUnreachable is wrapped, together with the transport's error, when a
// request to the registry failed before any answer (refused, timed out, ...).
var ErrUnreachable = errors.New("geerpc: registry unreachable")

// ErrBadAnswer is wrapped when the registry's answer to a GET could not be read.
var ErrBadAnswer = errors.New("geerpc: malformed registry answer")
