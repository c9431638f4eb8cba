package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/rpc"
	"os"
	"path/filepath"
	"time"

	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/codec"
)

// Caller makes one blocking call; geerpc's Client and adapters of its
// peers satisfy it, and so does loadgen.Invoker.
type Caller interface {
	Call(ctx context.Context, serviceMethod string, args, reply any) error
}

// Peer is an RPC implementation measured on loopback: Start serves the demo
// Echo service and returns a connected client and a function that stops both.
type Peer struct {
	Name  string
	Start func(ctx context.Context) (Caller, func(), error)
	// MaxCallers is the most callers the peer is measured with; zero means
	// any number.
	MaxCallers int
}

// Peers returns the implementations the report compares, in report order:
// geerpc (gob) with and without a deadline per call, stock net/rpc (which
// knows no deadline), grpc-go, the raw pipelined TCP ceiling and the raw
// caller-reads TCP floor of one caller.
func Peers() []Peer {
	gee := GeeRPC(codec.GobType)
	return []Peer{gee, WithCallDeadline(gee), NetRPC, GRPC, TCPCeiling, TCPFloor}
}

// CallDeadline is the deadline WithCallDeadline gives every call.
const CallDeadline = 10 * time.Second

// WithCallDeadline returns p called as users call: every call under its own
// context.WithTimeout(ctx, CallDeadline). Its name is p's with "-deadline".
func WithCallDeadline(p Peer) Peer {
	return Peer{Name: p.Name + "-deadline", MaxCallers: p.MaxCallers,
		Start: func(ctx context.Context) (Caller, func(), error) {
			c, stop, err := p.Start(ctx)
			if err != nil {
				return nil, nil, err
			}
			return deadlineCaller{c}, stop, nil
		}}
}

// deadlineCaller makes every call with a deadline CallDeadline away.
type deadlineCaller struct{ c Caller }

func (d deadlineCaller) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	ctx, cancel := context.WithTimeout(ctx, CallDeadline)
	defer cancel()
	return d.c.Call(ctx, serviceMethod, args, reply)
}

// Transports lists the transports GeeRPCOver accepts.
var Transports = []string{"tcp", "unix", "http"}

// GeeRPC returns the geerpc peer with the given codec over TCP.
func GeeRPC(ct codec.Type) Peer {
	return newPeer("geerpc-"+shortCodec(ct), GeeRPCOver(ct, "tcp").Start)
}

// GeeRPCOver is like GeeRPC but over transport: "tcp", "unix" (a socket in
// a temporary directory) or "http" (CONNECT to an HTTP server).
func GeeRPCOver(ct codec.Type, transport string) Peer {
	name := "geerpc-" + shortCodec(ct) + "-" + transport
	return newPeer(name, func(ctx context.Context) (Caller, func(), error) {
		srv := geerpc.NewServer()
		if _, err := demo.RegisterAll(srv, demo.Config{Instance: "bench"}); err != nil {
			return nil, nil, err
		}
		addr, stopServer, err := serveOver(srv, transport)
		if err != nil {
			return nil, nil, err
		}
		c, err := geerpc.XDialContext(ctx, addr, &geerpc.Option{CodecType: ct})
		if err != nil {
			stopServer()
			return nil, nil, err
		}
		return c, func() { _ = c.Close(); stopServer() }, nil
	})
}

// newPeer returns the peer name whose Start wraps start's errors.
func newPeer(name string, start func(ctx context.Context) (Caller, func(), error)) Peer {
	return Peer{Name: name, Start: func(ctx context.Context) (Caller, func(), error) {
		c, stop, err := start(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("geerpc: bench: starting %s: %w", name, err)
		}
		return c, stop, nil
	}}
}

// serveOver serves srv on a new loopback listener of transport and returns
// its protocol@addr and a function that stops serving.
func serveOver(srv *geerpc.Server, transport string) (string, func(), error) {
	lis, addr, cleanup, err := listen(transport)
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var hs *http.Server
	if transport == "http" {
		hs = &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go func() { defer close(done); _ = hs.Serve(lis) }()
	} else {
		go func() { defer close(done); _ = srv.Serve(ctx, lis) }()
	}
	return addr, func() {
		cancel()
		if hs != nil {
			_ = hs.Close()
		}
		<-done
		_ = srv.Shutdown(context.Background())
		cleanup()
	}, nil
}

// listen opens a loopback listener for transport.
func listen(transport string) (net.Listener, string, func(), error) {
	switch transport {
	case "tcp", "http":
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, "", nil, err
		}
		return lis, transport + "@" + lis.Addr().String(), func() {}, nil
	case "unix":
		dir, err := os.MkdirTemp("", "geerpc-bench")
		if err != nil {
			return nil, "", nil, err
		}
		path := filepath.Join(dir, "s.sock")
		lis, err := net.Listen("unix", path)
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, "", nil, err
		}
		return lis, "unix@" + path, func() { _ = os.RemoveAll(dir) }, nil
	}
	return nil, "", nil, fmt.Errorf("unknown transport %q (want tcp, unix or http)", transport)
}

func shortCodec(ct codec.Type) string {
	if ct == codec.JsonType {
		return "json"
	}
	return "gob"
}

// NetRPC is the stock net/rpc peer (gob over TCP).
var NetRPC = newPeer("net/rpc", func(ctx context.Context) (Caller, func(), error) {
	srv := rpc.NewServer()
	svc := demo.New(demo.Config{Instance: "bench"})
	if err := srv.Register(svc.Echo); err != nil {
		return nil, nil, fmt.Errorf("registering Echo on net/rpc: %w", err)
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
})

// netRPCCaller adapts *rpc.Client. net/rpc has no context: a call whose ctx
// ends returns ctx's error at once, and its reply is dropped when it comes.
type netRPCCaller struct{ c *rpc.Client }

func (n netRPCCaller) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ctx.Done() == nil {
		return n.c.Call(serviceMethod, args, reply)
	}
	call := n.c.Go(serviceMethod, args, reply, make(chan *rpc.Call, 1))
	select {
	case <-call.Done:
		return call.Error
	case <-ctx.Done():
		return ctx.Err()
	}
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

// errOnlyEcho is returned by the adapters that serve Echo.Echo only.
var errOnlyEcho = errors.New("geerpc: bench: this peer serves Echo.Echo only")
