package chaos

import (
	"github.com/geerpclab/geerpc/chaos/scenario"
	geecluster "github.com/geerpclab/geerpc/cluster"
	"github.com/geerpclab/geerpc/demo"
)

// instance is one member of a scenario's cluster: the cluster package's
// instance, the call faults of its server (its injector in process, its
// child's through the control service as a process) and the link it is
// reached through.
type instance struct {
	spec  scenario.InstanceSpec
	inj   *CallInjector
	calls *procCalls // the call faults of a geerpc serve -faults child; nil in process or without -faults
	svc   *demo.Services
	proxy link                 // set once by the cluster's Front hook
	c     *geecluster.Instance // set once Start returned
}

// Addr returns the address clients use: the proxy's, as protocol@addr.
func (in *instance) Addr() string { return "tcp@" + in.proxy.Addr() }

// link is the proxy in front of an instance: a Toxiproxy proxy embedded in
// this process (LinkProxy) or one of a Toxiproxy server (serverLink).
type link interface {
	// Addr returns the host:port clients dial.
	Addr() string
	// Apply starts the link fault f.
	Apply(f LinkFault) error
	// Clear ends the link fault f.
	Clear(f LinkFault) error
	// Restore removes every toxic and starts the proxy if it was down.
	Restore() error
	// Stop stops the proxy, as when the host behind it dies.
	Stop()
	// Start starts it again unless a down fault holds it.
	Start() error
	// Close removes its toxics and stops it for good.
	Close()
}

var (
	_ link = (*LinkProxy)(nil)
	_ link = (*serverLink)(nil)
)
