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
	"github.com/geerpclab/geerpc/internal/site"
)

func init() {
	commands["report"] = command{
		summary: "say where the report site in out/ is, serve it on loopback, or redraw its pages from their JSON",
		example: "geerpc report -serve 127.0.0.1:8080",
		run:     runReport,
	}
}

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	dir := fs.String("dir", "out", "directory of the report (index.html, bench.json); the committed reference run is in reports/")
	serve := fs.String("serve", "", "serve the report over HTTP at this loopback address, e.g. 127.0.0.1:8080, until interrupted")
	render := fs.Bool("render", false, "first redraw the pages present: the bench page, its plots and files from bench.json, the chaos and soak pages from their JSON")
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
	index, err := sitePage(*dir)
	if err != nil {
		return err
	}
	if *serve == "" {
		fmt.Fprintf(stdout, "report: %s\n", index)
		return nil
	}
	return serveReport(ctx, *dir, *serve, stdout)
}

// sitePage returns the first page of the site in dir: the bench page, or
// else the first of the chaos and soak pages present.
func sitePage(dir string) (string, error) {
	for _, p := range site.Pages {
		path := filepath.Join(dir, filepath.FromSlash(p))
		if _, err := os.Stat(path); err == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf("geerpc: no report in %s (run make bench, make chaos or make soak first)", dir)
}

// renderReport redraws the report in dir: the bench page and its files
// from bench.json when it is there, and the chaos and soak pages.
func renderReport(dir string) error {
	f, err := os.Open(filepath.Join(dir, bench.FileJSON))
	if errors.Is(err, os.ErrNotExist) {
		return bench.RelinkSite(dir)
	}
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
