package bench

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc/codec"
)

func TestEveryPeerAnswersEveryEchoWithItsNonce(t *testing.T) {
	peers := Peers()
	for _, tr := range Transports {
		peers = append(peers, GeeRPCOver(codec.JsonType, tr))
	}
	for _, p := range peers {
		t.Run(p.Name, func(t *testing.T) {
			c, stop, err := p.Start(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			r, err := Echo(t.Context(), c, 8, 200, PayloadSize)
			if err != nil || r.Calls != 200 || r.Errors != 0 || r.P99 < r.P50 || r.P50 <= 0 {
				t.Fatalf("Echo = %+v, %v", r, err)
			}
		})
	}
}

func TestTCPCeilingEndsCallsOnCancelAndClose(t *testing.T) {
	c, stop, err := TCPCeiling.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	args, reply := demo.EchoArgs{Nonce: 1, Payload: []byte("x")}, new(demo.EchoReply)
	if err := c.Call(ctx, "Echo.Echo", args, reply); !errors.Is(err, context.Canceled) {
		t.Errorf("call with a cancelled context: %v", err)
	}
	if err := c.Call(t.Context(), "Arith.Add", args, reply); !errors.Is(err, errOnlyEcho) {
		t.Errorf("call of another method: %v", err)
	}
	stop()
	done := make(chan error, 1)
	go func() { done <- c.Call(t.Context(), "Echo.Echo", args, reply) }()
	select {
	case err := <-done:
		if !errors.Is(err, errPipeClosed) {
			t.Errorf("call after close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("call after close hangs")
	}
}

func TestNetRPCCallerReturnsWhenItsContextEnds(t *testing.T) {
	c, stop, err := NetRPC.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err = c.Call(ctx, "Echo.Echo", demo.EchoArgs{Nonce: 1}, new(demo.EchoReply))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("call with a cancelled context: %v", err)
	}
}

func TestUnknownTransportIsRefused(t *testing.T) {
	if _, _, err := GeeRPCOver(codec.GobType, "carrier-pigeon").Start(t.Context()); err == nil {
		t.Fatal("an unknown transport started")
	}
}
