package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/geerpclab/geerpc/geerpc/registry"
)

func init() {
	commands["registry"] = command{
		summary: "run the HTTP registry that servers heartbeat to",
		about:   "Serves the registry until Ctrl-C or SIGTERM and prints its URL; servers stay listed -ttl after their last heartbeat.",
		example: "geerpc registry -addr 127.0.0.1:9999",
		usage:   "registry [-addr 127.0.0.1:9999] [-ttl 30s] [-max-instances N] [-token T] [-v]",
		run:     runRegistry,
	}
}

// httpShutdownTimeout bounds the graceful shutdown of the command's HTTP
// servers (registry and debug page).
const httpShutdownTimeout = 5 * time.Second

// runRegistry serves a GeeRegistry over HTTP until ctx ends.
func runRegistry(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("registry", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:9999", "host:port to listen on (port 0 picks a free one)")
	ttl := fs.Duration("ttl", 30*time.Second, "a server stays listed this long after its last heartbeat (0: 5m; negative: forever)")
	maxInst := fs.Int("max-instances", 0, "most servers listed at once (0: 1024)")
	token := fs.String("token", "", "token servers must send to register or deregister (empty: none)")
	verbose := fs.Bool("v", false, "log registrations and removals on stderr")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *maxInst < 0 {
		return usageError{fmt.Sprintf("-max-instances %d: must be 0 or more", *maxInst)}
	}
	lis, err := listenTCP("-addr", *addr)
	if err != nil {
		return err
	}
	opts := registry.Options{TTL: *ttl, MaxInstances: *maxInst, Token: *token}
	if *verbose {
		opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	mux := http.NewServeMux()
	mux.Handle(registry.DefaultPath, registry.NewWithOptions(opts))
	fmt.Fprintf(stdout, "registry http://%s%s (ttl %s)\n", lis.Addr(), registry.DefaultPath, ttlText(*ttl))
	return serveHTTP(ctx, newHTTPServer(mux), lis)
}

// ttlText describes a -ttl value as the registry applies it.
func ttlText(ttl time.Duration) string {
	switch {
	case ttl == 0:
		return registry.DefaultTimeout.String()
	case ttl < 0:
		return "none, servers never expire"
	}
	return ttl.String()
}

// listenTCP listens on a host:port given by flag name; failures are usage
// errors naming the flag.
func listenTCP(name, addr string) (net.Listener, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, usageError{fmt.Sprintf("%s %q: want host:port, e.g. 127.0.0.1:9999", name, addr)}
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, usageError{fmt.Sprintf("%s %q: %v", name, addr, err)}
	}
	return lis, nil
}

// newHTTPServer returns an http.Server for h with limits against slow or
// bulky clients.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, MaxHeaderBytes: 64 << 10}
}

// serveHTTP serves srv on lis until ctx ends, then shuts it down gracefully
// within httpShutdownTimeout. It returns nil after ctx ends, or the error
// that stopped the server.
func serveHTTP(ctx context.Context, srv *http.Server, lis net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return shutdownHTTP(srv, errc)
}

// shutdownHTTP shuts srv down within httpShutdownTimeout and waits for its
// Serve, whose result errc carries, to return.
func shutdownHTTP(srv *http.Server, errc <-chan error) error {
	sctx, cancel := context.WithTimeout(context.Background(), httpShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		_ = srv.Close()
	}
	select {
	case serr := <-errc:
		if !errors.Is(serr, http.ErrServerClosed) {
			return serr
		}
	case <-sctx.Done():
	}
	return err
}
