// Package demo holds the demo services (Arith, Echo and Work) that serve, loadgen, chaos and bench register on a geerpc server.
//
// Arith and Echo have the net/rpc method shape, so they also register on a
// net/rpc server for baselines. Work.Sleep takes a leading context.Context,
// which geerpc supports and net/rpc does not, and adds the instance's
// configured extra latency; it stops sleeping when its context ends.
//
// A server registers all three with RegisterAll:
//
//	srv := geerpc.NewServer()
//	svc, err := demo.RegisterAll(srv, demo.Config{Instance: "tcp@127.0.0.1:9999"})
//	// later, from any goroutine:
//	svc.SetLatency(50 * time.Millisecond)
package demo
