package cluster

import (
	"net"
	"strconv"
	"testing"
)

// TestPortsStayBelowTheEphemeralRange: a port the kernel may give to an
// outgoing connection could not be bound again after a restart.
func TestPortsStayBelowTheEphemeralRange(t *testing.T) {
	hi := ephemeralStart()
	if hi <= lowestPort+1000 {
		t.Skipf("ephemeral range starts at %d: no room below it", hi)
	}
	for range 20 {
		addr, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		_, p, _ := net.SplitHostPort(addr)
		port, _ := strconv.Atoi(p)
		if port < lowestPort || port >= hi {
			t.Fatalf("port %d outside [%d, %d)", port, lowestPort, hi)
		}
		lis, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("the free port %s cannot be bound: %v", addr, err)
		}
		_ = lis.Close()
	}
}
