package geerpc_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCoreModuleBringsNothingAlong: a fresh program that imports the core
// builds with no module proxy at all, and its module graph holds the core
// and nothing else, so minimal version selection can never raise a
// dependency of the program on our account.
func TestCoreModuleBringsNothingAlong(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	core, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "go.mod"), "module example.com/fresh\n\ngo 1.26.0\n\n"+
		"require github.com/geerpclab/geerpc/geerpc v0.0.0\n\n"+
		"replace github.com/geerpclab/geerpc/geerpc => "+core+"\n")
	write(t, filepath.Join(dir, "main.go"), "package main\n\nimport (\n"+
		"\t_ \"github.com/geerpclab/geerpc/geerpc\"\n\t_ \"github.com/geerpclab/geerpc/geerpc/codec\"\n"+
		"\t_ \"github.com/geerpclab/geerpc/geerpc/registry\"\n\t_ \"github.com/geerpclab/geerpc/geerpc/xclient\"\n)\n\n"+
		"func main() {}\n")
	goCmd(t, goBin, dir, "build", "-o", os.DevNull, ".")
	graph := goCmd(t, goBin, dir, "mod", "graph")
	for _, edge := range strings.Split(strings.TrimSpace(graph), "\n") {
		from, to, _ := strings.Cut(edge, " ")
		if strings.HasPrefix(to, "go@") || strings.HasPrefix(to, "toolchain@") {
			continue
		}
		if from != "example.com/fresh" || to != "github.com/geerpclab/geerpc/geerpc@v0.0.0" {
			t.Errorf("module graph has %q: the core brought something along", edge)
		}
	}
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// goCmd runs the go command in dir, offline and outside any workspace.
func goCmd(t *testing.T, goBin, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(goBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOPROXY=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
