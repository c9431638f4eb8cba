// Package provenance records where a generated figure came from: Go version, CPU, GOMAXPROCS, commit, date and the exact command.
package provenance
