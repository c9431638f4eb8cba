// Package soak runs a long open-loop load at a share of the measured saturation rate through a chaos cluster with faults cycling, and checks that goroutines, file descriptors and heap come back and that every call is accounted for.
//
// The end sample is compared with a baseline that must be the process's
// steady state. The Go runtime keeps the descriptor of every goroutine the
// process ever had at once, and maps and queues keep the room they grew
// to, so the heap stays near the high-water mark of the calls in flight.
// Hence three choices, made alike for both samples:
//
//   - the warm-up plays one full fault cycle (the same faults, player and
//     rate as the soak) before the baseline, so the baseline follows the
//     fault-time peak instead of coming before it; a Warmup shorter than
//     one cycle is rejected;
//   - the open-loop workers are capped (Options.MaxWorkers) low enough that
//     both phases reach the cap, so that peak is set by the cap rather than
//     by how long a pause or a fault happened to stall calls;
//   - each phase's calls hang off a context of the phase's own, and before
//     each sample one call goes to every instance, so that the servers let
//     go of the handler goroutines they keep idle until a next request.
package soak
