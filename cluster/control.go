package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
)

// ControlService is the name under which `geerpc serve -faults` registers
// its fault-control service on its own server. Both ends of that service
// live in this file: RegisterControl serves it, the Instance methods below
// call it.
const ControlService = "FaultControl"

// controlTimeout bounds every call to a child's control service, dial
// included: a frozen child accepts a connection and answers nothing.
const controlTimeout = 5 * time.Second

// Errors of the control calls. Check them with errors.Is.
var (
	// ErrNoControl is wrapped by a control call to an instance the harness
	// cannot drive: in process, or a child started without Options.Faults.
	ErrNoControl = errors.New("geerpc: cluster: no fault-control service (only processes started with Options.Faults have one)")
	// ErrStopped is wrapped by a control call to an instance that is not
	// running (killed and not restarted).
	ErrStopped = errors.New("geerpc: cluster: instance not running")
)

// CallFault is one call fault as the control service carries it; the chaos
// package says what its fields mean and checks them.
type CallFault struct {
	ID       int           // the fault's id; setting an id again replaces that fault
	Seed     uint64        // seed of the draws; every fault set on one instance carries the same
	Type     string        // "drop_reply", "drop_request", "delay" or "abort"
	Fraction float64       // share of the calls hit, 0..1
	Delay    time.Duration // delay: added before the method runs
}

// CallStats counts what the call faults of an instance did.
type CallStats struct {
	Calls           int64 `json:"calls"`            // calls that reached the services
	Executed        int64 `json:"executed"`         // of which the method ran
	Delayed         int64 `json:"delayed"`          // delay faults applied
	Aborted         int64 `json:"aborted"`          // answered with an injected abort
	RepliesDropped  int64 `json:"replies_dropped"`  // ran, no reply sent
	RequestsDropped int64 `json:"requests_dropped"` // never ran, no reply sent
}

// CallReport is what an instance's call faults did so far.
type CallReport struct {
	Stats CallStats
	// Dropped holds the keys (Echo nonces) of the calls whose reply or
	// request was dropped, with the type of the fault that did it.
	Dropped map[uint64]string
}

// CallFaults are the call faults of one instance, as the control service
// drives them.
type CallFaults interface {
	// Set activates f, replacing any fault of its id.
	Set(f CallFault) error
	// Remove deactivates the fault of id.
	Remove(id int)
	// Clear deactivates every fault.
	Clear()
	// Report returns the counts and dropped keys so far.
	Report() CallReport
}

// Heartbeats stop and resume an instance's heartbeats; a stopped instance
// keeps serving and stays registered until its TTL runs out.
type Heartbeats interface {
	StopHeartbeat() error
	StartHeartbeat() error
}

// RegisterControl registers the fault-control service of faults and hb on
// srv under ControlService. Only an instance on a loopback address should
// serve it: whoever reaches the server drives its faults.
func RegisterControl(srv *geerpc.Server, faults CallFaults, hb Heartbeats) error {
	return srv.RegisterName(ControlService, &control{faults: faults, hb: hb})
}

// control is the fault-control service. Its arguments and replies that
// carry nothing are ints, which every codec encodes.
type control struct {
	faults CallFaults
	hb     Heartbeats
}

// SetCallFault activates f.
func (c *control) SetCallFault(f CallFault, _ *int) error { return c.faults.Set(f) }

// RemoveCallFault deactivates the fault of id.
func (c *control) RemoveCallFault(id int, _ *int) error {
	c.faults.Remove(id)
	return nil
}

// ClearCallFaults deactivates every fault.
func (c *control) ClearCallFaults(_ int, _ *int) error {
	c.faults.Clear()
	return nil
}

// Report returns the call faults' counts and dropped keys.
func (c *control) Report(_ int, r *CallReport) error {
	*r = c.faults.Report()
	return nil
}

// StopHeartbeat stops the heartbeats without deregistering.
func (c *control) StopHeartbeat(_ int, _ *int) error { return c.hb.StopHeartbeat() }

// StartHeartbeat resumes the heartbeats.
func (c *control) StartHeartbeat(_ int, _ *int) error { return c.hb.StartHeartbeat() }

// SetCallFault activates call fault f on a process instance started with
// Options.Faults; ErrNoControl otherwise.
func (in *Instance) SetCallFault(ctx context.Context, f CallFault) error {
	return in.control(ctx, "SetCallFault", f, new(int))
}

// RemoveCallFault deactivates the call fault of id, as SetCallFault.
func (in *Instance) RemoveCallFault(ctx context.Context, id int) error {
	return in.control(ctx, "RemoveCallFault", id, new(int))
}

// ClearCallFaults deactivates every call fault, as SetCallFault.
func (in *Instance) ClearCallFaults(ctx context.Context) error {
	return in.control(ctx, "ClearCallFaults", 0, new(int))
}

// CallReport returns what the call faults of the running process did
// since it started, as SetCallFault. A restarted process starts from
// nothing.
func (in *Instance) CallReport(ctx context.Context) (CallReport, error) {
	var r CallReport
	err := in.control(ctx, "Report", 0, &r)
	return r, err
}

// control calls method of the running child's control service on its own
// listening address (not through the link in front of it, so that link
// faults never hold it up), within controlTimeout.
func (in *Instance) control(ctx context.Context, method string, args, reply any) error {
	in.mu.Lock()
	running := in.proc != nil
	in.mu.Unlock()
	switch {
	case in.opts.Backend != Processes || !in.opts.Faults:
		return fmt.Errorf("%w: %s", ErrNoControl, in.spec.Name)
	case !running:
		return fmt.Errorf("geerpc: cluster: instance %s: %s: %w", in.spec.Name, method, ErrStopped)
	}
	ctx, cancel := context.WithTimeout(ctx, controlTimeout)
	defer cancel()
	cli, err := geerpc.DialContext(ctx, "tcp", in.listen)
	if err != nil {
		return fmt.Errorf("geerpc: cluster: instance %s: %s: %w", in.spec.Name, method, err)
	}
	defer cli.Close()
	if err := cli.Call(ctx, ControlService+"."+method, args, reply); err != nil {
		return fmt.Errorf("geerpc: cluster: instance %s: %s: %w", in.spec.Name, method, err)
	}
	return nil
}
