// Package soak runs a long open-loop load at a share of the measured saturation rate through a chaos cluster with faults cycling, and checks that goroutines, file descriptors and heap come back and that every call is accounted for.
package soak
