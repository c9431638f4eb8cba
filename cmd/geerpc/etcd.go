package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/geerpclab/geerpc/internal/embedetcd"
)

func init() {
	commands["etcd"] = command{
		summary: "run a one-member etcd on loopback for agents and servers to register in (demos and tests)",
		about: "Runs an etcd server inside this process, so that the demos need nothing installed. Its data lives in\n" +
			"-dir (by default a temporary directory removed on exit). For real machines run a real etcd cluster.",
		example: "geerpc etcd -listen 127.0.0.1:2379",
		usage:   "etcd [-listen 127.0.0.1:2379] [-peer 127.0.0.1:2380] [-dir DIR]",
		run:     runEtcd,
	}
}

// runEtcd serves an embedded etcd until ctx ends.
func runEtcd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("etcd", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:2379", "host:port clients connect to")
	peer := fs.String("peer", "127.0.0.1:2380", "host:port of the (unused) peer port")
	dir := fs.String("dir", "", "data directory (default: a temporary one, removed on exit)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "geerpc-etcd-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		*dir = tmp
	}
	e, err := embedetcd.Start(*dir, *listen, *peer)
	if err != nil {
		return usageError{fmt.Sprintf("-listen %s: %s", *listen, oneLine(err))}
	}
	defer e.Close()
	fmt.Fprintf(stdout, "etcd: serving %s (data in %s)\n", e.Clients[0].Addr(), *dir)
	select {
	case <-ctx.Done():
	case err := <-e.Err():
		return err
	}
	return nil
}
