// Package soak runs a long open-loop load at a share of the measured saturation rate through a chaos cluster with faults cycling, and checks that goroutines, file descriptors and heap come back and that every call is accounted for.
//
// The baseline the end sample is compared with is taken after a warm-up
// that plays one full fault cycle (the same faults, player and rate as the
// soak), once the load stopped and the process settled. The Go runtime
// keeps the descriptor of every goroutine the process ever had at once and
// the spans its heap grew to, so the heap of a process stays near its
// high-water mark: a baseline taken before the faults first piled calls up
// would measure a process that had not reached its steady state, and the
// heap check would fail on growth that is the runtime's, not a leak. A
// Warmup shorter than one cycle is rejected.
package soak
