// Package cluster starts a GeeRPC registry and named instances on loopback,
// in this process or as child processes, and stops them all.
//
// It is the one cluster starter of the harness: bench, chaos and soak build
// their worlds with Start. The in-process backend (the zero Backend) serves
// each instance from a geerpc.Server of the caller's in this process; the
// process backend runs each instance as a `geerpc serve` child and the
// registry as a `geerpc registry` child, in process groups of their own that
// die with the harness (on Linux through the parent-death signal, and on
// Close or a cancelled start everywhere), every child reaped.
//
// The registry is the HTTP registry (the default) or etcd, embedded in this
// process or a user's on loopback: there each instance holds a key on a
// lease, through a relay of its own that LoseLease holds to take the lease
// away while the instance serves on, and RegainLease releases.
//
// Both backends give instances the same life: Stop (graceful), Kill (no
// goodbye), Restart on the same address, and for processes Freeze and Thaw
// (SIGSTOP and SIGCONT). A Registry can go Down and come back Up on its
// address. Processes started with Options.Faults (`geerpc serve -faults`)
// also take call faults and stop and resume their heartbeats through the
// FaultControl service of control.go.
package cluster
