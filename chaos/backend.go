package chaos

import (
	"errors"
	"fmt"

	"github.com/geerpclab/geerpc/chaos/scenario"
	geecluster "github.com/geerpclab/geerpc/cluster"
)

// ErrNotApplicable is wrapped when a scenario holds a fault the chosen
// cluster cannot apply; nothing was started.
var ErrNotApplicable = errors.New("chaos: fault not applicable here")

// CheckApplicable returns an error naming every fault of s the cluster of
// co cannot apply, before anything starts: in process an instance cannot
// be frozen; as processes the harness cannot reach into a child's handlers
// (call faults) nor stop its heartbeat alone (dead_heartbeat).
func CheckApplicable(s *scenario.Scenario, co ClusterOptions) error {
	var errs []error
	for i, f := range s.Faults {
		why := notApplicable(f.Type, co.Backend)
		if why == "" {
			why = etcdNotApplicable(s, f.Type, co.Backend)
		}
		if co.remote() && f.Type.Class() != scenario.ClassLink {
			why = "the harness did not start this deployment's processes; only link faults apply to it"
		}
		if why != "" {
			errs = append(errs, fmt.Errorf("%w: scenario %q: faults[%d] %s: %s", ErrNotApplicable, s.Name, i, f.Type, why))
		}
	}
	return errors.Join(errs...)
}

// notApplicable says why fault type t cannot be applied on backend b, or "".
func notApplicable(t scenario.FaultType, b geecluster.Backend) string {
	switch {
	case b == geecluster.InProcess && t == scenario.FaultFreeze:
		return "needs instances as processes (-cluster procs) to send them SIGSTOP"
	case b == geecluster.Processes && t.Class() == scenario.ClassCall:
		return "a call fault acts inside an instance's handlers, which only in-process instances expose"
	case b == geecluster.Processes && t == scenario.FaultDeadHeartbeat:
		return "a geerpc serve child heartbeats by itself; use freeze to stop its heartbeats"
	}
	return ""
}
