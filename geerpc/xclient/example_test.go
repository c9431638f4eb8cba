package xclient_test

import (
	"context"
	"fmt"
	"net"

	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/xclient"
)

// Arith is the service of the examples.
type Arith struct{}

// Pair holds two operands.
type Pair struct{ A, B int }

// Mul multiplies.
func (Arith) Mul(p Pair, reply *int) error {
	*reply = p.A * p.B
	return nil
}

// startArith serves Arith on a loopback port and returns its address and a
// func that stops it.
func startArith() (string, func()) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := geerpc.NewServer()
	_ = srv.Register(Arith{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ctx, lis) }()
	return "tcp@" + lis.Addr().String(), func() {
		cancel()
		<-done
		_ = srv.Shutdown(context.Background())
	}
}

func ExampleXClient_Call() {
	a, stopA := startArith()
	defer stopA()
	b, stopB := startArith()
	defer stopB()

	d := xclient.NewMultiServerDiscovery([]string{a, b})
	x := xclient.NewXClientWithOptions(d, xclient.Options{Mode: xclient.P2CSelect, FailMode: xclient.Failover})
	defer x.Close()

	var info xclient.CallInfo
	var product int
	err := x.Call(xclient.WithCallInfo(context.Background(), &info), "Arith.Mul", Pair{6, 7}, &product)
	fmt.Println(product, err, info.Addr == a || info.Addr == b)
	// Output: 42 <nil> true
}

func ExampleXClient_Broadcast() {
	a, stopA := startArith()
	defer stopA()
	b, stopB := startArith()
	defer stopB()

	x := xclient.NewXClient(xclient.NewMultiServerDiscovery([]string{a, b}), xclient.RoundRobinSelect, nil)
	defer x.Close()
	var product int
	err := x.Broadcast(context.Background(), "Arith.Mul", Pair{3, 5}, &product)
	fmt.Println(product, err)
	// Output: 15 <nil>
}

func ExampleWithHashKey() {
	a, stopA := startArith()
	defer stopA()
	b, stopB := startArith()
	defer stopB()

	x := xclient.NewXClient(xclient.NewMultiServerDiscovery([]string{a, b}), xclient.ConsistentHashSelect, nil)
	defer x.Close()
	served := map[string]bool{}
	for i := range 10 {
		var info xclient.CallInfo
		ctx := xclient.WithCallInfo(xclient.WithHashKey(context.Background(), "user-42"), &info)
		var product int
		if err := x.Call(ctx, "Arith.Mul", Pair{i, i}, &product); err != nil {
			fmt.Println(err)
		}
		served[info.Addr] = true
	}
	fmt.Println("instances that served user-42:", len(served))
	// Output: instances that served user-42: 1
}
