package provenance

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestCollect(t *testing.T) {
	i := Collect(context.Background())
	if i.GoVersion != runtime.Version() || i.GOMAXPROCS != runtime.GOMAXPROCS(0) {
		t.Fatalf("info = %+v", i)
	}
	if i.CPU == "" || i.Commit == "" || i.Date.IsZero() || len(i.Command) == 0 {
		t.Fatalf("missing fields: %+v", i)
	}
}

func TestCPUModel(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cpuinfo")
	body := "processor\t: 0\nvendor_id\t: X\nmodel name\t: Test CPU @ 3.00GHz\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := cpuModel(path); got != "Test CPU @ 3.00GHz" {
		t.Fatalf("cpuModel = %q", got)
	}
	if got := cpuModel(filepath.Join(dir, "missing")); got != "unknown" {
		t.Fatalf("cpuModel(missing) = %q", got)
	}
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "plain", args: []string{"geerpc", "load", "-c", "100"}, want: "geerpc load -c 100"},
		{name: "space", args: []string{"geerpc", "-servers", "tcp@a, tcp@b"}, want: "geerpc -servers 'tcp@a, tcp@b'"},
		{name: "quote", args: []string{"it's"}, want: `'it'\''s'`},
		{name: "empty", args: []string{""}, want: "''"},
		{name: "build path", args: []string{"/tmp/go-build1/b001/exe/geerpc", "soak"}, want: "go run ./cmd/geerpc soak"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Info{Command: tt.args}).CommandLine(); got != tt.want {
				t.Fatalf("CommandLine = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWriteHeader(t *testing.T) {
	var b bytes.Buffer
	i := Info{GoVersion: "go1.26", CPU: "c", Commit: "abc", Command: []string{"x"}}
	if err := i.WriteHeader(&b, "# "); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 6 {
		t.Fatalf("got %d lines:\n%s", len(lines), b.String())
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "# ") {
			t.Fatalf("line %q lacks prefix", l)
		}
	}
}

func TestUserCommandNeverNamesABuildPath(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"/tmp/go-build123/b001/exe/geerpc", "chaos", "-out", "out/chaos"}, "go run ./cmd/geerpc chaos -out out/chaos"},
		{[]string{"/root/.cache/go-build/c2/c2d6-d/geerpc", "soak"}, "go run ./cmd/geerpc soak"},
		{[]string{"/home/me/go/bin/geerpc", "bench"}, "geerpc bench"},
		{[]string{"./geerpc"}, "geerpc"},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := (Info{Command: userCommand(tt.args)}).CommandLine(); got != tt.want {
			t.Errorf("userCommand(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}
