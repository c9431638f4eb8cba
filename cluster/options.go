package cluster

import (
	"errors"
	"io"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
)

// Errors of the cluster package. Check them with errors.Is.
var (
	// ErrUnsupported is returned by an operation the backend cannot do,
	// such as freezing an in-process instance.
	ErrUnsupported = errors.New("geerpc: cluster: not supported by this backend")
	// ErrBadOptions is wrapped when Start is given options it cannot use.
	ErrBadOptions = errors.New("geerpc: cluster: bad options")
	// ErrNotListed is wrapped when the registry did not list every
	// instance in time.
	ErrNotListed = errors.New("geerpc: cluster: instances not listed by the registry")
)

// Backend says where instances run.
type Backend string

// The backends.
const (
	// InProcess serves every instance and the registry in this process
	// (the default).
	InProcess Backend = ""
	// Processes runs each instance as a `geerpc serve` child and the
	// registry as a `geerpc registry` child.
	Processes Backend = "procs"
)

// ParseBackend reads "inproc" (or "") and "procs".
func ParseBackend(name string) (Backend, error) {
	switch name {
	case "", "inproc":
		return InProcess, nil
	case "procs":
		return Processes, nil
	}
	return "", errors.Join(ErrBadOptions, errors.New("geerpc: cluster: backend "+name+" (want inproc or procs)"))
}

// String returns "inproc" or "procs".
func (b Backend) String() string {
	if b == InProcess {
		return "inproc"
	}
	return string(b)
}

// RegistryKind says which registry a cluster's instances register in.
type RegistryKind string

// The registry kinds.
const (
	// HTTPRegistry is GeeRPC's HTTP registry, instances heartbeating to it
	// (the default).
	HTTPRegistry RegistryKind = ""
	// EtcdRegistry is etcd: each instance holds a key on a lease it keeps
	// alive, and clients watch the keys (package etcdregistry).
	EtcdRegistry RegistryKind = "etcd"
)

// ParseRegistryKind reads "http" (or "") and "etcd".
func ParseRegistryKind(name string) (RegistryKind, error) {
	switch name {
	case "", "http":
		return HTTPRegistry, nil
	case "etcd":
		return EtcdRegistry, nil
	}
	return "", errors.Join(ErrBadOptions, errors.New("geerpc: cluster: registry kind "+name+" (want http or etcd)"))
}

// String returns "http" or "etcd".
func (k RegistryKind) String() string {
	if k == HTTPRegistry {
		return "http"
	}
	return string(k)
}

// InstanceSpec describes one instance.
type InstanceSpec struct {
	// Name is the instance's name, carried in its replies; it must be
	// unique in a cluster and not empty.
	Name string
	// Weight is the balancing weight it registers with; zero means 1.
	Weight int
	// Latency is the extra latency of its Work.Sleep calls (the demo
	// services' own knob; the process backend passes it as -latency).
	Latency time.Duration
	// ServiceTime is how long each Echo.Echo call takes before it
	// answers, a chaos scenario's service time. The process backend passes
	// it as -service-time; in process it is the NewServer hook's to apply,
	// and the default demo server answers Echo at once.
	ServiceTime time.Duration
}

// Options configure Start. The zero value starts in-process demo instances
// and an HTTP registry with the registry's own timings.
type Options struct {
	// Backend says where the instances run; the zero value is InProcess.
	Backend Backend
	// Registry is the kind of registry; the zero value is HTTPRegistry.
	Registry RegistryKind
	// Etcd, with Registry EtcdRegistry, are the endpoints (loopback
	// host:port) of a running etcd to register in. Empty means an etcd
	// embedded in this process on free ports, its data in a temporary
	// directory removed on Close.
	Etcd []string
	// TTL is how long the registry lists an instance after its last
	// heartbeat; zero means 30s. In etcd it is the lease TTL, rounded up to
	// whole seconds (etcd may raise it to its own minimum).
	TTL time.Duration
	// Heartbeat is the instances' heartbeat period to the HTTP registry;
	// zero means TTL/3. An etcd lease is kept alive every third of its TTL
	// whatever Heartbeat says.
	Heartbeat time.Duration
	// ListTimeout bounds the wait for the registry to list every instance;
	// zero means 15s.
	ListTimeout time.Duration
	// NewServer builds the server of an in-process instance; stop is closed
	// when that server generation stops (to end its waits). Nil means the
	// demo services named after the instance. Unused by Processes.
	NewServer func(spec InstanceSpec, stop <-chan struct{}) (*geerpc.Server, error)
	// Front returns the host:port clients should dial for an instance that
	// listens on listen (a proxy in front of it, say); the instance
	// registers that address. Nil means listen itself.
	Front func(spec InstanceSpec, listen string) (string, error)
	// Binary is the geerpc binary the Processes backend runs. Empty means
	// this very executable when it is named geerpc, else one built by `go
	// build` into a temporary directory removed on Close.
	Binary string
	// Stderr receives the children's standard error; nil discards it.
	Stderr io.Writer
	// Faults starts each instance process with `geerpc serve -faults`, so
	// that its call faults and heartbeats can be driven (Instance's
	// SetCallFault, StopHeartbeat, ...). False: they cannot. Unused in
	// process, where NewServer puts in whatever faults it likes.
	Faults bool
}

func (o Options) ttl() time.Duration {
	if o.TTL > 0 {
		return o.TTL
	}
	return 30 * time.Second
}

// leaseTTL returns the etcd lease TTL: the TTL rounded up to seconds.
func (o Options) leaseTTL() time.Duration {
	return (o.ttl() + time.Second - 1).Truncate(time.Second)
}

func (o Options) heartbeat() time.Duration {
	if o.Heartbeat > 0 {
		return o.Heartbeat
	}
	return o.ttl() / 3
}

func (o Options) listTimeout() time.Duration {
	if o.ListTimeout > 0 {
		return o.ListTimeout
	}
	return 15 * time.Second
}
