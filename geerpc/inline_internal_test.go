package geerpc

import (
	"context"
	"net"
	"testing"
)

type InlineSvc struct{}

func (InlineSvc) Double(n int, reply *int) error {
	*reply = 2 * n
	return nil
}

// Calls made one at a time run on the reading goroutine: the connection
// starts no worker for them.
func TestLoneCallsRunOnTheReadingGoroutine(t *testing.T) {
	srv := NewServer()
	if err := srv.Register(InlineSvc{}); err != nil {
		t.Fatal(err)
	}
	cconn, sconn := net.Pipe()
	served := make(chan struct{})
	go func() { srv.ServeConn(sconn); close(served) }()
	c, err := NewClient(cconn, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		var reply int
		if err := c.Call(context.Background(), "InlineSvc.Double", i, &reply); err != nil || reply != 2*i {
			t.Fatalf("Double(%d) = %d, %v", i, reply, err)
		}
	}
	srv.mu.Lock()
	var spawned int
	for sc := range srv.conns {
		sc.workers.mu.Lock()
		spawned += sc.workers.spawned
		sc.workers.mu.Unlock()
	}
	srv.mu.Unlock()
	_ = c.Close()
	<-served
	if spawned != 0 {
		t.Fatalf("50 calls made one at a time started %d workers, want 0", spawned)
	}
}
