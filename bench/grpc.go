package bench

import (
	"context"
	"fmt"
	"net"

	"github.com/geerpclab/geerpc/demo"
	"google.golang.org/grpc"
	"google.golang.org/grpc/benchmark"
	"google.golang.org/grpc/credentials/insecure"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
)

// GRPC is the grpc-go peer: the BenchmarkService of grpc-go's own benchmark
// package, called with UnaryCall over one HTTP/2 connection (insecure, on
// loopback). An Echo call of n bytes sends an n-byte payload and asks for
// an n-byte answer, as grpc-go's benchmarks do.
var GRPC = newPeer("grpc-go", func(ctx context.Context) (Caller, func(), error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	stopServer := benchmark.StartServer(benchmark.ServerInfo{Type: "protobuf", Listener: lis})
	cc, err := grpc.NewClient("passthrough:///"+lis.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		stopServer()
		return nil, nil, fmt.Errorf("grpc-go client: %w", err)
	}
	return grpcCaller{testgrpc.NewBenchmarkServiceClient(cc)}, func() { _ = cc.Close(); stopServer() }, nil
})

// grpcCaller adapts grpc-go's BenchmarkServiceClient to Echo.Echo. The
// service answers a fresh payload of the asked size rather than an echo, so
// the adapter checks the size and copies the nonce from the request.
type grpcCaller struct {
	c testgrpc.BenchmarkServiceClient
}

func (g grpcCaller) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	a, ok1 := args.(demo.EchoArgs)
	r, ok2 := reply.(*demo.EchoReply)
	if serviceMethod != "Echo.Echo" || !ok1 || !ok2 {
		return errOnlyEcho
	}
	kind := testgrpc.PayloadType_COMPRESSABLE
	resp, err := g.c.UnaryCall(ctx, &testgrpc.SimpleRequest{
		ResponseType: kind,
		ResponseSize: int32(len(a.Payload)),
		Payload:      &testgrpc.Payload{Type: kind, Body: a.Payload},
	})
	if err != nil {
		return err
	}
	r.Nonce, r.Payload, r.Instance = a.Nonce, resp.GetPayload().GetBody(), "grpc-go"
	return nil
}
