package cluster

import (
	"io"
	"net"
	"testing"
	"time"
)

// echoServer echoes every connection on loopback until the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { _ = lis.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); _ = c.Close() }()
		}
	}()
	return lis.Addr().String()
}

// roundTrip writes msg on c and reads it back within d.
func roundTrip(c net.Conn, msg string, d time.Duration) (string, error) {
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	_ = c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, len(msg))
	_, err := io.ReadFull(c, buf)
	return string(buf), err
}

func TestRelayHoldsTrafficUntilReleased(t *testing.T) {
	r, err := newRelay(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got, err := roundTrip(c, "one", 10*time.Second); err != nil || got != "one" {
		t.Fatalf("through the relay: %q, %v", got, err)
	}
	r.hold()
	if got, err := roundTrip(c, "two", 300*time.Millisecond); err == nil {
		t.Fatalf("a held relay let %q through", got)
	}
	r.release()
	// What was held arrives first, then the traffic flows again.
	held := make([]byte, 3)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(c, held); err != nil || string(held) != "two" {
		t.Fatalf("after release: %q, %v; want the held bytes", held, err)
	}
	if got, err := roundTrip(c, "three", 10*time.Second); err != nil || got != "three" {
		t.Fatalf("after release: %q, %v", got, err)
	}
}

func TestRelayCloseEndsItsConnections(t *testing.T) {
	r, err := newRelay(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := roundTrip(c, "x", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	r.hold() // a pipe waiting at the gate must end too
	_, _ = c.Write([]byte("y"))
	r.close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("a connection through a closed relay still reads")
	}
	if _, err := net.Dial("tcp", r.Addr()); err == nil {
		t.Fatal("a closed relay still accepts")
	}
}
