package scenario

// FaultType names a kind of fault.
type FaultType string

// The fault types. Link faults act on an instance's proxy, call faults on
// its services, registry faults on its registration or the registry.
const (
	FaultLatency       FaultType = "latency"        // link: add latency ± jitter to every chunk
	FaultBandwidth     FaultType = "bandwidth"      // link: cap the rate in KB/s
	FaultBlackhole     FaultType = "blackhole"      // link: drop all data, keep connections open
	FaultReset         FaultType = "reset"          // link: reset connections as soon as they carry data
	FaultDown          FaultType = "down"           // link: proxy stopped, connections refused
	FaultDelay         FaultType = "delay"          // call: add a delay before the method runs
	FaultAbort         FaultType = "abort"          // call: answer ErrInjectedAbort without running
	FaultDropReply     FaultType = "drop_reply"     // call: run the method, never let its reply reach the caller
	FaultDropRequest   FaultType = "drop_request"   // call: never run the method, never answer in time
	FaultDeadHeartbeat FaultType = "dead_heartbeat" // registry: stop heartbeating, keep serving
	FaultZombie        FaultType = "zombie"         // registry: die without deregistering, restart at the end
	FaultKill          FaultType = "kill"           // registry: deregister, drain, stop, restart at the end
	FaultRegistryDown  FaultType = "registry_down"  // registry: the registry's HTTP server is down
	FaultFreeze        FaultType = "freeze"         // process: SIGSTOP (socket open, heartbeats stop), SIGCONT at the end
	FaultLeaseLoss     FaultType = "lease_loss"     // registry (etcd): cut off from etcd, lease revoked, serving on; registers again at the end
)

// FaultClass groups the fault types by what they act on.
type FaultClass int

// The fault classes.
const (
	ClassUnknown   FaultClass = iota // not a fault type
	ClassLink                        // latency, bandwidth, blackhole, reset, down: the instance's proxy
	ClassCall                        // delay, abort, drop_reply, drop_request: its services
	ClassLifecycle                   // dead_heartbeat, zombie, kill, freeze, lease_loss: the instance's life
	ClassRegistry                    // registry_down: the registry
)

// Class returns what faults of type t act on; ClassUnknown for a type that
// is not one of the constants above.
func (t FaultType) Class() FaultClass {
	switch t {
	case FaultLatency, FaultBandwidth, FaultBlackhole, FaultReset, FaultDown:
		return ClassLink
	case FaultDelay, FaultAbort, FaultDropReply, FaultDropRequest:
		return ClassCall
	case FaultDeadHeartbeat, FaultZombie, FaultKill, FaultFreeze, FaultLeaseLoss:
		return ClassLifecycle
	case FaultRegistryDown:
		return ClassRegistry
	}
	return ClassUnknown
}

// faultTypes lists every fault type, for messages.
var faultTypes = []FaultType{
	FaultLatency, FaultBandwidth, FaultBlackhole, FaultReset, FaultDown,
	FaultDelay, FaultAbort, FaultDropReply, FaultDropRequest,
	FaultDeadHeartbeat, FaultZombie, FaultKill, FaultRegistryDown, FaultFreeze, FaultLeaseLoss,
}

// exclusive reports whether faults of types a and b may not overlap on the
// same instance: two of the same type, a death (zombie, kill) with anything
// else that changes the instance's life or reachability, or a lease loss
// with another lifecycle fault (its heal would register an instance whose
// heartbeats another fault holds).
func exclusive(a, b FaultType) bool {
	dies := func(t FaultType) bool { return t == FaultZombie || t == FaultKill }
	life := func(t FaultType) bool { return t.Class() == ClassLifecycle || t == FaultDown }
	lease := func(x, y FaultType) bool { return x == FaultLeaseLoss && y.Class() == ClassLifecycle }
	return a == b || (dies(a) && life(b)) || (dies(b) && life(a)) || lease(a, b) || lease(b, a)
}
