package geerpc

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// Gate blocks its method until the test lets it go.
type Gate struct{ open chan struct{} }

func (g *Gate) Wait(_ int, reply *int) error { <-g.open; *reply = 1; return nil }

func (g *Gate) Now(_ int, reply *int) error { *reply = 2; return nil }

// startGate serves a Gate over TCP and dials it.
func startGate(t *testing.T) (*Client, *Gate) {
	t.Helper()
	srv, g := NewServer(), &Gate{open: make(chan struct{})}
	if err := srv.Register(g); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(context.Background(), lis) }()
	c, err := Dial("tcp", lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return c, g
}

// roleIs waits, generously, until the client's reading role is held by who.
func roleIs(t *testing.T, c *Client, who int8) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		c.mu.Lock()
		role := c.role
		c.mu.Unlock()
		if role == who {
			return
		}
	}
	t.Fatalf("the reading role never went to %d", who)
}

// After a first call, a lone Call finds the role vacant, takes it and
// reads its own reply; the role is vacant again afterwards, and after
// readLinger the reader goroutine watches the idle connection.
func TestLoneCallerHoldsTheReadingRole(t *testing.T) {
	c, g := startGate(t)
	var reply int
	for !holdVacant(c) {
		if err := c.Call(context.Background(), "Gate.Now", 0, &reply); err != nil || reply != 2 {
			t.Fatalf("Gate.Now: %d, %v", reply, err)
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- c.Call(context.Background(), "Gate.Wait", 0, &reply) }()
	roleIs(t, c, roleCaller)
	close(g.open)
	if err := <-errc; err != nil || reply != 1 {
		t.Fatalf("Gate.Wait: %d, %v", reply, err)
	}
	roleIs(t, c, roleBackground) // vacant, then taken back after readLinger
}

// holdVacant reports whether the role is vacant, then stays so until a
// call takes it: its linger timer was stopped before it fired.
func holdVacant(c *Client) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.role != roleVacant || !c.linger.Stop() {
		return false
	}
	c.lingering = false
	return true
}

// A caller reading under its deadline gives the role back at the deadline
// without consuming anything: its late reply is read and dropped by the
// reader goroutine, and the next call succeeds.
func TestReadingCallerLeavesAtItsDeadline(t *testing.T) {
	c, g := startGate(t)
	var reply int
	if err := c.Call(context.Background(), "Gate.Now", 0, &reply); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := c.Call(ctx, "Gate.Wait", 0, &reply); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Gate.Wait past its deadline: %v", err)
	}
	close(g.open)
	if err := c.Call(context.Background(), "Gate.Now", 0, &reply); err != nil || reply != 2 {
		t.Fatalf("the call after: %d, %v", reply, err)
	}
}
