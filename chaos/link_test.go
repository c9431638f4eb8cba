package chaos

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/internal/testserver"
)

// proxied serves the demo services on loopback behind a LinkProxy that is
// closed when the test ends.
func proxied(t *testing.T) *LinkProxy {
	t.Helper()
	addr, _ := testserver.StartDemo(t, "x")
	lp, err := NewLinks().Proxy("x", strings.TrimPrefix(addr, "tcp@"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lp.Close)
	return lp
}

// echo dials addr through the proxy and times one Echo call of size bytes.
func echo(t *testing.T, lp *LinkProxy, size int, timeout time.Duration) (time.Duration, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	c, err := geerpc.XDialContext(ctx, "tcp@"+lp.Addr())
	if err != nil {
		return 0, err
	}
	defer c.Close()
	var reply demo.EchoReply
	start := time.Now()
	err = c.Call(ctx, "Echo.Echo", demo.EchoArgs{Nonce: 7, Payload: make([]byte, size)}, &reply)
	if err == nil && reply.Nonce != 7 {
		t.Fatalf("reply nonce %d, want 7", reply.Nonce)
	}
	return time.Since(start), err
}

func TestLatencyAddsWhatItSays(t *testing.T) {
	lp := proxied(t)
	// A loaded machine only adds time, so the latency is checked from
	// below; that it ended, by a call quicker than it.
	const latency = 500 * time.Millisecond
	f := LinkFault{Type: scenario.FaultLatency, Latency: latency}
	if err := lp.Apply(f); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		d, err := echo(t, lp, 16, 10*time.Second)
		// the dial's preamble and the reply both cross the proxy downstream
		// once; only the reply waits for the call.
		if err != nil || d < latency-5*time.Millisecond {
			t.Fatalf("call with %v latency took %v (%v)", latency, d, err)
		}
	}
	if err := lp.Clear(f); err != nil {
		t.Fatal(err)
	}
	if d, err := echo(t, lp, 16, 10*time.Second); err != nil || d >= latency {
		t.Fatalf("call after the latency ended took %v (%v)", d, err)
	}
}

func TestBandwidthSlowsLargeReplies(t *testing.T) {
	lp := proxied(t)
	base, err := echo(t, lp, 32<<10, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.Apply(LinkFault{Type: scenario.FaultBandwidth, RateKB: 64}); err != nil {
		t.Fatal(err)
	}
	// 32 KiB at 64 KB/s: about half a second
	d, err := echo(t, lp, 32<<10, 5*time.Second)
	if err != nil || d < 350*time.Millisecond {
		t.Fatalf("32KiB at 64KB/s took %v (%v), %v without the limit", d, err, base)
	}
}

func TestBlackholeTurnsCallsIntoTimeouts(t *testing.T) {
	lp := proxied(t)
	f := LinkFault{Type: scenario.FaultBlackhole, Direction: "both"}
	if err := lp.Apply(f); err != nil {
		t.Fatal(err)
	}
	d, err := echo(t, lp, 16, 150*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) || d < 100*time.Millisecond {
		t.Fatalf("call into a blackhole: %v after %v, want a timeout", err, d)
	}
	if err := lp.Clear(f); err != nil {
		t.Fatal(err)
	}
	if _, err := echo(t, lp, 16, 10*time.Second); err != nil {
		t.Fatalf("call after the blackhole: %v", err)
	}
}

func TestResetBreaksConnections(t *testing.T) {
	lp := proxied(t)
	f := LinkFault{Type: scenario.FaultReset}
	if err := lp.Apply(f); err != nil {
		t.Fatal(err)
	}
	_, err := echo(t, lp, 16, time.Second)
	if c := classify(err, false); c != ClassTransport {
		t.Fatalf("call through a reset link: %v (%s), want a transport error", err, c)
	}
	if err := lp.Clear(f); err != nil {
		t.Fatal(err)
	}
	if _, err := echo(t, lp, 16, 10*time.Second); err != nil {
		t.Fatalf("call after the reset: %v", err)
	}
}

func TestDownRefusesConnections(t *testing.T) {
	lp := proxied(t)
	f := LinkFault{Type: scenario.FaultDown}
	if err := lp.Apply(f); err != nil {
		t.Fatal(err)
	}
	if _, err := echo(t, lp, 16, time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial of a down proxy: %v, want connection refused", err)
	}
	if err := lp.Clear(f); err != nil {
		t.Fatal(err)
	}
	if _, err := echo(t, lp, 16, 10*time.Second); err != nil {
		t.Fatalf("call after the proxy came back: %v", err)
	}
}

func TestRestoreUndoesEverything(t *testing.T) {
	lp := proxied(t)
	for _, f := range []LinkFault{{Type: scenario.FaultLatency, Latency: 5 * time.Second}, {Type: scenario.FaultBlackhole, Direction: "upstream"}, {Type: scenario.FaultDown}} {
		if err := lp.Apply(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := lp.Restore(); err != nil {
		t.Fatal(err)
	}
	// quicker than the 5s latency it undid
	if d, err := echo(t, lp, 16, 10*time.Second); err != nil || d >= 5*time.Second {
		t.Fatalf("call after Restore: %v after %v", err, d)
	}
}

func TestProxyTargetsLoopbackOnly(t *testing.T) {
	for _, upstream := range []string{"10.1.2.3:80", "localhost:80", "[::1]:80", "nonsense"} {
		if _, err := NewLinks().Proxy("x", upstream); !errors.Is(err, ErrNotLoopback) {
			t.Errorf("proxy to %s: %v, want ErrNotLoopback", upstream, err)
		}
	}
}
