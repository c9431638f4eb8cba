// Package chaos runs a scenario of package chaos/scenario against a live cluster: it injects link, call and registry faults, records every call, checks invariants and plots what each balancing mode did.
package chaos
