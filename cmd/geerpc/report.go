package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/geerpclab/geerpc/bench"
)

func init() {
	commands["report"] = command{
		summary: "serve the report in reports/ on loopback, or redraw it from its bench.json",
		example: "geerpc report -serve 127.0.0.1:8080",
		run:     runReport,
	}
}

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	dir := fs.String("dir", "out", "directory of the report (index.html, bench.json); the committed reference run is in reports/")
	serve := fs.String("serve", "", "serve the report over HTTP at this loopback address, e.g. 127.0.0.1:8080, until interrupted")
	render := fs.Bool("render", false, "redraw the plots, index.html and the other files from bench.json first")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *serve != "" {
		host, _, err := net.SplitHostPort(*serve)
		if err != nil || !loopbackHost(host) {
			return usageError{fmt.Sprintf("-serve %q: want a loopback address such as 127.0.0.1:8080", *serve)}
		}
	}
	if *render {
		if err := renderReport(*dir); err != nil {
			return err
		}
	}
	index := filepath.Join(*dir, bench.FileIndex)
	if _, err := os.Stat(index); err != nil {
		return fmt.Errorf("geerpc: no report in %s (run make bench first): %w", *dir, err)
	}
	if *serve == "" {
		fmt.Fprintf(stdout, "report: %s\n", index)
		return nil
	}
	return serveReport(ctx, *dir, *serve, stdout)
}

// renderReport redraws the report in dir from its bench.json.
func renderReport(dir string) error {
	f, err := os.Open(filepath.Join(dir, bench.FileJSON))
	if err != nil {
		return fmt.Errorf("geerpc: %w", err)
	}
	defer f.Close()
	r, err := bench.ReadJSON(f)
	if err != nil {
		return err
	}
	return bench.WriteReport(dir, r)
}

// serveReport serves dir at addr until ctx ends.
func serveReport(ctx context.Context, dir, addr string, stdout io.Writer) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("geerpc: %w", err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	fmt.Fprintf(stdout, "serving %s at http://%s/ (interrupt to stop)\n", dir, lis.Addr())
	select {
	case err := <-errc:
		return fmt.Errorf("geerpc: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("geerpc: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("geerpc: %w", err)
	}
	return nil
}
