package agent

import "errors"

// Errors of the agent package. Check them with errors.Is.
var (
	// ErrBadPlan is wrapped when a plan or share cannot be run; the wrapping
	// error says why.
	ErrBadPlan = errors.New("geerpc: agent: bad plan")
	// ErrBusy is returned by an agent's Setup while it takes part in
	// another run.
	ErrBusy = errors.New("geerpc: agent: busy with another run")
	// ErrNoRun is returned by a control call naming a run the agent does
	// not have.
	ErrNoRun = errors.New("geerpc: agent: no such run")
	// ErrLeaseLost is why an agent ends a run whose etcd lease was lost.
	ErrLeaseLost = errors.New("geerpc: agent: etcd lease lost")
	// ErrCoordinatorGone is why an agent ends a run whose coordinator
	// closed the connection or stopped marking.
	ErrCoordinatorGone = errors.New("geerpc: agent: coordinator gone")
	// ErrStopped is why an agent ends a run its coordinator stopped.
	ErrStopped = errors.New("geerpc: agent: stopped by the coordinator")
	// ErrNameTaken is wrapped by Register when another agent holds the
	// name; a crashed agent's key goes when its lease expires.
	ErrNameTaken = errors.New("geerpc: agent: name taken")
	// ErrTooFewAgents is wrapped by Find when fewer agents than asked are
	// registered when the wait ends; the wrapping error says how many.
	ErrTooFewAgents = errors.New("geerpc: agent: too few agents")
)
