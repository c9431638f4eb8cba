// Package xclient calls a set of geerpc servers found by a Discovery, balancing each call across them with a pluggable Balancer and retrying by a fail mode.
package xclient
