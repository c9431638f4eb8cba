package demo_test

import (
	"fmt"

	"github.com/geerpclab/geerpc/demo"
)

func Example() {
	v := demo.New(demo.Config{Instance: "tcp@127.0.0.1:9999"})
	var sum int
	_ = v.Arith.Add(demo.Args{A: 2, B: 3}, &sum)
	var reply demo.EchoReply
	_ = v.Echo.Echo(demo.EchoArgs{Nonce: 7, Payload: []byte("hi")}, &reply)
	fmt.Println(sum, reply.Nonce, string(reply.Payload), reply.Instance)
	// Output: 5 7 hi tcp@127.0.0.1:9999
}
