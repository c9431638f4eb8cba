package geerpc_test

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"testing"
	"time"

	geerpc "github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/codec"
)

// This file is written as a program against the original GeeRPC's exported
// API (day 7): it must compile with only the import path changed.

var (
	_ func() *geerpc.Server                                           = geerpc.NewServer
	_ func(any) error                                                 = geerpc.Register
	_ func(net.Listener)                                              = geerpc.Accept
	_ func()                                                          = geerpc.HandleHTTP
	_ *geerpc.Server                                                  = geerpc.DefaultServer
	_ *geerpc.Option                                                  = geerpc.DefaultOption
	_ func(string, string, ...*geerpc.Option) (*geerpc.Client, error) = geerpc.Dial
	_ func(string, string, ...*geerpc.Option) (*geerpc.Client, error) = geerpc.DialHTTP
	_ func(string, ...*geerpc.Option) (*geerpc.Client, error)         = geerpc.XDial
	_ func(net.Conn, *geerpc.Option) (*geerpc.Client, error)          = geerpc.NewClient
	_ func(net.Conn, *geerpc.Option) (*geerpc.Client, error)          = geerpc.NewHTTPClient
	_ func(io.ReadWriteCloser) codec.Codec                            = codec.NewGobCodec
	_ map[codec.Type]codec.NewCodecFunc                               = codec.NewCodecFuncMap
	_ interface{ ServeConn(io.ReadWriteCloser) }                      = (*geerpc.Server)(nil)
	_ interface{ Accept(net.Listener) }                               = (*geerpc.Server)(nil)
	_ interface{ HandleHTTP() }                                       = (*geerpc.Server)(nil)
	_ interface{ Register(any) error }                                = (*geerpc.Server)(nil)
	_ http.Handler                                                    = (*geerpc.Server)(nil)
	_ interface{ IsAvailable() bool }                                 = (*geerpc.Client)(nil)
	_ interface{ Close() error }                                      = (*geerpc.Client)(nil)
	_ interface {
		Go(string, any, any, chan *geerpc.Call) *geerpc.Call
	} = (*geerpc.Client)(nil)
	_ interface {
		Call(context.Context, string, any, any) error
	} = (*geerpc.Client)(nil)
)

// originalMain is the shape of the original tutorial's day-7 main: a
// server started with Accept on its own listener, a client from XDial with
// an Option literal, Call with a context.
func originalMain(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal("network error:", err)
	}
	server := geerpc.NewServer()
	var foo Foo
	if err := server.Register(&foo); err != nil {
		log.Fatal("register error:", err)
	}
	done := make(chan struct{})
	go func() { server.Accept(l); close(done) }()
	defer func() { _ = l.Close(); <-done }()

	client, _ := geerpc.XDial("tcp@"+l.Addr().String(), &geerpc.Option{
		MagicNumber:    geerpc.MagicNumber,
		CodecType:      codec.GobType,
		ConnectTimeout: time.Second,
		HandleTimeout:  0,
	})
	defer func() { _ = client.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var reply int
	if err := client.Call(ctx, "Foo.Sum", &Args{Num1: 1, Num2: 2}, &reply); err != nil || reply != 3 {
		t.Fatalf("call Foo.Sum error: %v, reply %d", err, reply)
	}
	call := client.Go("Foo.Sum", Args{Num1: 2, Num2: 3}, &reply, make(chan *geerpc.Call, 1))
	if <-call.Done; call.Error != nil || reply != 5 {
		t.Fatalf("go Foo.Sum error: %v, reply %d", call.Error, reply)
	}
	_ = client.IsAvailable()
	_ = server.Shutdown(ctx)
}

func TestOriginalProgramShape(t *testing.T) { originalMain(t) }
