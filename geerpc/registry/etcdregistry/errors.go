package etcdregistry

import "errors"

var (
	// ErrBadAddr is returned (wrapped) by Register when the address is not of
	// the form protocol@addr or is longer than MaxAddrLen bytes.
	ErrBadAddr = errors.New("geerpc: etcd registry: bad server address")

	// ErrNilClient is returned when Register or NewDiscovery gets a nil etcd client.
	ErrNilClient = errors.New("geerpc: etcd registry: nil etcd client")

	// ErrClosed is returned by a Registration or Discovery used after Close,
	// or whose etcd client was closed.
	ErrClosed = errors.New("geerpc: etcd registry: closed")

	// ErrReadOnly is returned by Discovery.Update: the server list of an
	// etcd discovery comes from etcd only; register or deregister servers instead.
	ErrReadOnly = errors.New("geerpc: etcd registry: discovery list is read-only")
)
