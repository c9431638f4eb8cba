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

func TestTCPFloorRefusesEndedContextsAndFailsOnClose(t *testing.T) {
	c, stop, err := TCPFloor.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	args, reply := demo.EchoArgs{Nonce: 7, Payload: []byte("xy")}, new(demo.EchoReply)
	if err := c.Call(ctx, "Echo.Echo", args, reply); !errors.Is(err, context.Canceled) {
		t.Errorf("call with a cancelled context: %v", err)
	}
	if err := c.Call(t.Context(), "Echo.Echo", args, reply); err != nil || reply.Nonce != 7 || string(reply.Payload) != "xy" {
		t.Errorf("call: %v, reply %+v", err, reply)
	}
	stop()
	if err := c.Call(t.Context(), "Echo.Echo", args, reply); !errors.Is(err, errPipeClosed) {
		t.Errorf("call after close: %v", err)
	}
}

// A deadline peer gives every call a deadline about CallDeadline away.
func TestWithCallDeadlineSetsADeadlinePerCall(t *testing.T) {
	var got time.Duration
	inner := Peer{Name: "probe", Start: func(context.Context) (Caller, func(), error) {
		return callerFunc(func(ctx context.Context) error {
			d, ok := ctx.Deadline()
			if ok {
				got = time.Until(d)
			}
			return nil
		}), func() {}, nil
	}}
	p := WithCallDeadline(inner)
	c, stop, err := p.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := c.Call(t.Context(), "Echo.Echo", nil, nil); err != nil || p.Name != "probe-deadline" {
		t.Fatalf("call: %v, name %q", err, p.Name)
	}
	if got <= CallDeadline/2 || got > CallDeadline {
		t.Fatalf("deadline %v away, want about %v", got, CallDeadline)
	}
}

type callerFunc func(ctx context.Context) error

func (f callerFunc) Call(ctx context.Context, _ string, _, _ any) error { return f(ctx) }

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
