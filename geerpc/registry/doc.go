// Package registry is GeeRPC's HTTP registry: servers announce themselves with heartbeats and clients list the live ones.
package registry
