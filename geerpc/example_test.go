package geerpc_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
)

// Arith is the example service.
type Arith int

// Pair are Arith's arguments.
type Pair struct{ A, B int }

// Add sets reply to the sum.
func (t *Arith) Add(args Pair, reply *int) error {
	*reply = args.A + args.B
	return nil
}

func Example() {
	srv := geerpc.NewServer()
	_ = srv.Register(new(Arith))
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- srv.Serve(ctx, lis) }()

	client, _ := geerpc.XDial("tcp@" + lis.Addr().String())
	callCtx, stop := context.WithTimeout(ctx, time.Second)
	var sum int
	err := client.Call(callCtx, "Arith.Add", Pair{1, 2}, &sum)
	fmt.Println(sum, err)
	err = client.Call(callCtx, "Arith.Mul", Pair{1, 2}, &sum)
	fmt.Println(err)

	stop()
	_ = client.Close()
	cancel()
	fmt.Println(<-done, srv.Shutdown(context.Background()))
	// Output:
	// 3 <nil>
	// rpc server: can't find method Mul
	// <nil> <nil>
}
