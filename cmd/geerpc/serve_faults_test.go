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

// TestServeFaultsAbortsAndHasNoHeartbeatsWithoutRegistry drives a serve
// -faults without a registry through its control service: an abort fault
// answers every Echo with the injected abort, Arith is left alone, and the
// heartbeat controls say there is nothing to stop.
func TestServeFaultsAbortsAndHasNoHeartbeatsWithoutRegistry(t *testing.T) {
	_, addr := startServe(t, "-faults", "-debug", "")
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	cli, err := geerpc.XDialContext(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
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
	err = cli.Call(ctx, cluster.ControlService+".StopHeartbeat", 0, &ack)
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
			_, addr := startServe(t, append(args, "-debug", "", "-service-time", serviceTime.String())...)
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			cli, err := geerpc.XDialContext(ctx, addr)
			if err != nil {
				t.Fatal(err)
			}
			defer cli.Close()
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
