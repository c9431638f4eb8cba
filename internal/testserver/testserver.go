// Package testserver runs the demo services on loopback for the length of a test.
package testserver

import (
	"testing"

	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/geerpctest"
)

// StartDemo serves the demo services on a loopback port until the test
// ends and returns its address as tcp@host:port. The services name
// themselves instance, or by that address when instance is empty.
func StartDemo(t testing.TB, instance string) (string, *demo.Services) {
	t.Helper()
	lis := geerpctest.Listen(t)
	addr := "tcp@" + lis.Addr().String()
	if instance == "" {
		instance = addr
	}
	srv := geerpc.NewServer()
	svc, err := demo.RegisterAll(srv, demo.Config{Instance: instance})
	if err != nil {
		t.Fatal(err)
	}
	geerpctest.Serve(t, srv, lis)
	return addr, svc
}
