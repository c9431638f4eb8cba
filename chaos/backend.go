package chaos

import (
	"errors"
	"fmt"

	"github.com/geerpclab/geerpc/chaos/scenario"
	geecluster "github.com/geerpclab/geerpc/cluster"
)

// ErrNotApplicable is wrapped when a scenario holds a fault the chosen
// cluster cannot apply; nothing was started.
var ErrNotApplicable = errors.New("geerpc: chaos: fault not applicable here")

// CheckApplicable returns an error naming every fault of s the cluster of
// co cannot apply, before anything starts: in process an instance cannot
// be frozen; against a user's deployment the harness started no process,
// so only link faults apply. Processes the harness starts take every fault:
// call faults and dead heartbeats through their control service.
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
	if b == geecluster.InProcess && t == scenario.FaultFreeze {
		return "needs instances as processes (-cluster procs) to send them SIGSTOP"
	}
	return ""
}
