// Package chaos injects link, call and registry faults into live geerpc runs, checks invariants and plots what each balancing mode did.
package chaos
