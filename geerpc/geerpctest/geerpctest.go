// Package geerpctest runs geerpc servers on loopback for the length of a
// test, as net/http/httptest does for HTTP servers.
package geerpctest

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
)

// Listen returns a TCP listener on a free loopback port.
func Listen(t testing.TB) net.Listener {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return lis
}

// Serve runs srv on lis until the test ends, then checks that Serve
// returned nil and shuts srv down within 5s. It returns lis's address.
func Serve(t testing.TB, srv *geerpc.Server, lis net.Listener) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, lis) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil && !errors.Is(err, geerpc.ErrServerClosed) {
			t.Errorf("Serve returned %v after its context ended, want nil", err)
		}
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		if err := srv.Shutdown(sctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return lis.Addr().String()
}

// Start serves a new server with rcvrs registered on a loopback port until
// the test ends, and returns its address as tcp@host:port.
func Start(t testing.TB, rcvrs ...any) string {
	t.Helper()
	srv := geerpc.NewServer()
	for _, r := range rcvrs {
		if err := srv.Register(r); err != nil {
			t.Fatal(err)
		}
	}
	return "tcp@" + Serve(t, srv, Listen(t))
}
