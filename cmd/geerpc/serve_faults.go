package main

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/geerpclab/geerpc/chaos"
	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/cluster"
	"github.com/geerpclab/geerpc/geerpc"
)

// errNoHeartbeats answers a heartbeat control call to an instance that does
// not heartbeat to an HTTP registry.
var errNoHeartbeats = errors.New("geerpc serve: no heartbeats to stop or start: serve with -registry")

// callFaults are the call faults of geerpc serve -faults: chaos's injector,
// through which the server runs every call (it acts on Echo.Echo and
// Work.Sleep only, so the control service's own calls are neither faulted
// nor counted). Its seed is the one the first fault set carries.
type callFaults struct {
	inj *chaos.CallInjector

	mu     sync.Mutex // protects following
	seeded bool
	seed   uint64
}

var _ cluster.CallFaults = (*callFaults)(nil)

// newCallFaults returns the call faults of an instance and the server
// interceptor that applies them, each Echo call taking serviceTime; stop
// ends injected delays and service times.
func newCallFaults(serviceTime time.Duration, stop <-chan struct{}) (*callFaults, geerpc.Interceptor) {
	c := &callFaults{inj: chaos.NewCallInjector(0)}
	return c, c.inj.Interceptor(serviceTime, stop)
}

// Set activates f; every fault must carry the seed of the first.
func (c *callFaults) Set(f cluster.CallFault) error {
	if err := c.useSeed(f.ID, f.Seed); err != nil {
		return err
	}
	return c.inj.Set(f.ID, chaos.CallFault{Type: scenario.FaultType(f.Type), Fraction: f.Fraction, Delay: f.Delay})
}

// useSeed seeds the injector with the first fault's seed and refuses
// another one later.
func (c *callFaults) useSeed(id int, seed uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case !c.seeded:
		if err := c.inj.Reseed(seed); err != nil {
			return err
		}
		c.seeded, c.seed = true, seed
	case seed != c.seed:
		return fmt.Errorf("geerpc serve: call fault %d: seed %d, but the faults of this instance draw with seed %d", id, seed, c.seed)
	}
	return nil
}

// Remove deactivates the fault of id.
func (c *callFaults) Remove(id int) { c.inj.Remove(id) }

// Clear deactivates every fault.
func (c *callFaults) Clear() { c.inj.Clear() }

// Report returns what the faults did since the instance started.
func (c *callFaults) Report() cluster.CallReport {
	r := cluster.CallReport{Stats: c.inj.Stats(), Dropped: map[uint64]string{}}
	for k, t := range c.inj.Dropped() {
		r.Dropped[k] = string(t)
	}
	return r
}

// noHeartbeats is the heartbeat control of an instance that does not
// heartbeat to an HTTP registry.
type noHeartbeats struct{}

// StopHeartbeat says there is no heartbeat to stop.
func (noHeartbeats) StopHeartbeat() error { return errNoHeartbeats }

// StartHeartbeat says there is no heartbeat to start.
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
