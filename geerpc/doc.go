/*
Package geerpc is a small, fast RPC framework, a successor of GeeRPC and of
the standard library's net/rpc, whose wire protocol it keeps.

A server publishes the methods of an object. Only methods of this shape are
served, the rules of net/rpc plus an optional leading context:

	func (t *T) MethodName(argType T1, replyType *T2) error
	func (t *T) MethodName(ctx context.Context, argType T1, replyType *T2) error

where T, T1 and T2 are exported (or builtin) and the method is exported. The
context carries the caller's deadline and ends when the connection closes.
A method's error reaches the client as a ServerError with the same text.

A server:

	type Arith int
	func (t *Arith) Add(args Args, reply *int) error { *reply = args.A + args.B; return nil }

	srv := geerpc.NewServer()
	_ = srv.Register(new(Arith))
	lis, _ := net.Listen("tcp", "127.0.0.1:9999")
	go srv.Serve(ctx, lis)

A client:

	client, _ := geerpc.XDial("tcp@127.0.0.1:9999")
	defer client.Close()
	var sum int
	err := client.Call(ctx, "Arith.Add", Args{1, 2}, &sum)

The same listener serves GeeRPC clients (gob or JSON), stock net/rpc
clients and net/rpc/jsonrpc clients. Client.Go makes asynchronous calls;
many goroutines may share one Client. The wire protocol is described in
docs/PROTOCOL.md at the root of the repository, and what this package adds
to it in docs/PROTOCOL-EXTENSIONS.md.
*/
package geerpc
