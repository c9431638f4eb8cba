package cluster

import (
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// Instances, registries and proxies listen on ports below the kernel's
// ephemeral range. A port from that range may be handed, while its listener
// is down, to the local end of some outgoing connection; the restart on the
// same address then fails with "address already in use" for as long as that
// connection lives. Ports below the range are never handed out that way.
const lowestPort = 10000

// listenLoopback listens on a 127.0.0.1 port below the ephemeral range,
// tried at random; when none of a hundred tries binds, any free port.
func listenLoopback() (net.Listener, error) {
	hi := ephemeralStart()
	for range 100 {
		if hi <= lowestPort+1000 {
			break
		}
		port := lowestPort + rand.IntN(hi-lowestPort)
		lis, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			return lis, nil
		}
	}
	return net.Listen("tcp", "127.0.0.1:0")
}

// freePort returns a 127.0.0.1 host:port below the ephemeral range that
// nobody listens on now.
func freePort() (string, error) {
	lis, err := listenLoopback()
	if err != nil {
		return "", err
	}
	addr := lis.Addr().String()
	return addr, lis.Close()
}

// ephemeralStart returns the first port of the kernel's ephemeral range:
// Linux says it in /proc; elsewhere the IANA range's start is assumed.
func ephemeralStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 49152
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 49152
	}
	n, err := strconv.Atoi(f[0])
	if err != nil {
		return 49152
	}
	return n
}
