package bench

import (
	"context"
	"fmt"
	"net"
	"net/rpc"

	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/codec"
)

// Caller makes one blocking call; geerpc's Client and adapters of its
// peers satisfy it.
type Caller interface {
	Call(ctx context.Context, serviceMethod string, args, reply any) error
}

// Peer is an RPC implementation measured on loopback: Start serves the demo
// services and returns a connected client and a function that stops both.
type Peer struct {
	Name  string
	Start func(ctx context.Context) (Caller, func(), error)
}

// GeeRPC returns the geerpc peer with the given codec over TCP.
func GeeRPC(ct codec.Type) Peer {
	return Peer{Name: "geerpc-" + shortCodec(ct), Start: func(ctx context.Context) (Caller, func(), error) {
		srv := geerpc.NewServer()
		if _, err := demo.RegisterAll(srv, demo.Config{Instance: "bench"}); err != nil {
			return nil, nil, err
		}
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, err
		}
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = srv.Serve(sctx, lis) }()
		opt := &geerpc.Option{CodecType: ct}
		c, err := geerpc.XDialContext(ctx, "tcp@"+lis.Addr().String(), opt)
		stop := func() {
			if c != nil {
				_ = c.Close()
			}
			cancel()
			<-done
			_ = srv.Shutdown(context.Background())
		}
		if err != nil {
			stop()
			return nil, nil, err
		}
		return c, stop, nil
	}}
}

func shortCodec(ct codec.Type) string {
	if ct == codec.JsonType {
		return "json"
	}
	return "gob"
}

// NetRPC is the stock net/rpc peer (gob over TCP).
var NetRPC = Peer{Name: "net/rpc", Start: func(ctx context.Context) (Caller, func(), error) {
	srv := rpc.NewServer()
	svc := demo.New(demo.Config{Instance: "bench"})
	if err := srv.Register(svc.Echo); err != nil {
		return nil, nil, fmt.Errorf("bench: registering Echo on net/rpc: %w", err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	go acceptNetRPC(srv, lis)
	c, err := rpc.Dial("tcp", lis.Addr().String())
	stop := func() {
		if c != nil {
			_ = c.Close()
		}
		_ = lis.Close()
	}
	if err != nil {
		stop()
		return nil, nil, err
	}
	return netRPCCaller{c}, stop, nil
}}

// netRPCCaller adapts *rpc.Client; net/rpc has no context, so ctx is
// ignored.
type netRPCCaller struct{ c *rpc.Client }

func (n netRPCCaller) Call(_ context.Context, serviceMethod string, args, reply any) error {
	return n.c.Call(serviceMethod, args, reply)
}

// acceptNetRPC is rpc.Server.Accept without its log line when lis closes.
func acceptNetRPC(srv *rpc.Server, lis net.Listener) {
	for {
		conn, err := lis.Accept()
		if err != nil {
			return
		}
		go srv.ServeConn(conn)
	}
}
