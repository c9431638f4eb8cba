package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// binary returns the geerpc binary to run: bin when given, this executable
// when it is geerpc, else one built by Build into a temporary directory that
// cleanup removes.
func binary(ctx context.Context, bin string) (path string, cleanup func(), err error) {
	if bin != "" {
		return bin, func() {}, nil
	}
	if exe, err := os.Executable(); err == nil && filepath.Base(exe) == "geerpc" {
		return exe, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "geerpc-cluster-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { _ = os.RemoveAll(dir) }
	if path, err = Build(ctx, dir); err != nil {
		cleanup()
		return "", nil, err
	}
	return path, cleanup, nil
}

// Build builds the geerpc command into dir with `go build` and returns the
// binary's path. It must run inside the geerpc module (as tests do).
func Build(ctx context.Context, dir string) (string, error) {
	return goBuild(ctx, dir, "geerpc", "github.com/geerpclab/geerpc/cmd/geerpc")
}

func goBuild(ctx context.Context, dir, name, pkg string) (string, error) {
	out := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("geerpc: cluster: go build: %w\n%s", err, msg)
	}
	return out, nil
}
