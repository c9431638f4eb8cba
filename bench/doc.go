// Package bench measures geerpc against its peers on loopback and renders the results.
package bench
