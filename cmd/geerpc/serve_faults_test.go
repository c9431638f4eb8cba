package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/cluster"
	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc"
)

// dialServe starts geerpc serve with args and returns a client of it and a
// context that bounds the test's calls; both end with the test.
func dialServe(t *testing.T, args ...string) (context.Context, *geerpc.Client) {
	t.Helper()
	_, addr := startServe(t, args...)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	t.Cleanup(cancel)
	cli, err := geerpc.XDialContext(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return ctx, cli
}

// TestServeFaultsAbortsAndHasNoHeartbeatsWithoutRegistry drives a serve
// -faults without a registry through its control service: an abort fault
// answers every Echo with the injected abort, Arith is left alone, and the
// heartbeat controls say there is nothing to stop.
func TestServeFaultsAbortsAndHasNoHeartbeatsWithoutRegistry(t *testing.T) {
	ctx, cli := dialServe(t, "-faults", "-debug", "")
	var ack int
	f := cluster.CallFault{ID: 3, Seed: 9, Type: "abort", Fraction: 1}
	if err := cli.Call(ctx, cluster.ControlService+".SetCallFault", f, &ack); err != nil {
		t.Fatal(err)
	}
	var echo demo.EchoReply
	if err := cli.Call(ctx, "Echo.Echo", demo.EchoArgs{Nonce: 1}, &echo); err == nil || !strings.Contains(err.Error(), "injected abort") {
		t.Errorf("Echo under an abort fault: %v", err)
	}
	var sum int
	if err := cli.Call(ctx, "Arith.Add", demo.Args{A: 1, B: 2}, &sum); err != nil || sum != 3 {
		t.Errorf("Arith under an abort fault: %d, %v", sum, err)
	}
	var r cluster.CallReport
	if err := cli.Call(ctx, cluster.ControlService+".Report", 0, &r); err != nil || r.Stats.Aborted != 1 || r.Stats.Calls != 1 {
		t.Errorf("report %+v, %v; want one call, aborted", r.Stats, err)
	}
	err := cli.Call(ctx, cluster.ControlService+".StopHeartbeat", 0, &ack)
	if err == nil || !strings.Contains(err.Error(), "-registry") {
		t.Errorf("StopHeartbeat without a registry: %v", err)
	}
}

// TestServeServiceTime: with -service-time, with or without -faults, every
// Echo call takes at least that long and still answers; Arith is left
// alone.
func TestServeServiceTime(t *testing.T) {
	const serviceTime = 80 * time.Millisecond
	for _, args := range [][]string{{"-faults"}, {}} {
		t.Run(fmt.Sprint(args), func(t *testing.T) {
			ctx, cli := dialServe(t, append(args, "-debug", "", "-service-time", serviceTime.String())...)
			for range 3 {
				start := time.Now()
				var echo demo.EchoReply
				if err := cli.Call(ctx, "Echo.Echo", demo.EchoArgs{Nonce: 7}, &echo); err != nil || echo.Nonce != 7 {
					t.Fatalf("Echo: %+v, %v", echo, err)
				}
				if took := time.Since(start); took < serviceTime {
					t.Fatalf("Echo answered in %v, want at least the service time %v", took, serviceTime)
				}
			}
			var sum int
			if err := cli.Call(ctx, "Arith.Add", demo.Args{A: 1, B: 2}, &sum); err != nil || sum != 3 {
				t.Errorf("Arith: %d, %v", sum, err)
			}
		})
	}
}
