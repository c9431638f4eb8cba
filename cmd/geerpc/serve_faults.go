package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/geerpclab/geerpc/chaos"
	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/cluster"
	"github.com/geerpclab/geerpc/geerpc"
)

// errNoHeartbeats answers a heartbeat control call to an instance that does
// not heartbeat to an HTTP registry.
var errNoHeartbeats = errors.New("geerpc serve: no heartbeats to stop or start: serve with -registry")

// callFaults are the call faults of geerpc serve -faults: chaos's injector,
// made when the first fault is set, with that fault's seed. The server's
// interceptor runs every call through it; the control service drives it.
type callFaults struct {
	stop <-chan struct{} // closed when the instance stops: ends injected delays

	mu   sync.Mutex // protects following
	inj  *chaos.CallInjector
	ic   geerpc.Interceptor // inj's interceptor; nil until the first fault
	seed uint64
}

var _ cluster.CallFaults = (*callFaults)(nil)

// intercept is the server's interceptor: calls pass untouched until a fault
// was set. The control service's own calls are never faulted nor counted:
// the injector only acts on Echo.Echo and Work.Sleep.
func (c *callFaults) intercept(ctx context.Context, call *geerpc.ServerCall, next func(context.Context) error) error {
	c.mu.Lock()
	ic := c.ic
	c.mu.Unlock()
	if ic == nil {
		return next(ctx)
	}
	return ic(ctx, call, next)
}

// Set activates f; every fault must carry the seed of the first.
func (c *callFaults) Set(f cluster.CallFault) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.inj == nil:
		c.inj, c.seed = chaos.NewCallInjector(f.Seed), f.Seed
		c.ic = c.inj.Interceptor(0, c.stop)
	case f.Seed != c.seed:
		return fmt.Errorf("geerpc serve: call fault %d: seed %d, but the faults of this instance draw with seed %d", f.ID, f.Seed, c.seed)
	}
	return c.inj.Set(f.ID, chaos.CallFault{Type: scenario.FaultType(f.Type), Fraction: f.Fraction, Delay: f.Delay})
}

// Remove deactivates the fault of id.
func (c *callFaults) Remove(id int) {
	if inj := c.injector(); inj != nil {
		inj.Remove(id)
	}
}

// Clear deactivates every fault.
func (c *callFaults) Clear() {
	if inj := c.injector(); inj != nil {
		inj.Clear()
	}
}

// Report returns what the faults did since the first was set.
func (c *callFaults) Report() cluster.CallReport {
	r := cluster.CallReport{Dropped: map[uint64]string{}}
	inj := c.injector()
	if inj == nil {
		return r
	}
	r.Stats = cluster.CallStats(inj.Stats())
	for k, t := range inj.Dropped() {
		r.Dropped[k] = string(t)
	}
	return r
}

func (c *callFaults) injector() *chaos.CallInjector {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inj
}

// noHeartbeats is the heartbeat control of an instance that does not
// heartbeat to an HTTP registry.
type noHeartbeats struct{}

func (noHeartbeats) StopHeartbeat() error  { return errNoHeartbeats }
func (noHeartbeats) StartHeartbeat() error { return errNoHeartbeats }

// checkFaultsAddr refuses -faults on a listener others can reach: whoever
// reaches the server drives its faults.
func checkFaultsAddr(flagAddr string, addr net.Addr) error {
	switch a := addr.(type) {
	case *net.TCPAddr:
		if a.IP.IsLoopback() {
			return nil
		}
	case *net.UnixAddr:
		return nil
	}
	return usageError{fmt.Sprintf("-faults with -addr %s (listening on %s): want a loopback address (127.0.0.0/8, ::1) or a unix socket, since whoever reaches it drives the faults", flagAddr, addr)}
}

// registerControl registers the FaultControl service when -faults is set.
func (in *instance) registerControl() error {
	if in.faults == nil {
		return nil
	}
	var hb cluster.Heartbeats = noHeartbeats{}
	if in.hb != nil {
		hb = in.hb
	}
	return cluster.RegisterControl(in.srv, in.faults, hb)
}
