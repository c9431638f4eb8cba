// Package fuzzseed writes fuzz seed corpora from real encoder output into testdata.
package fuzzseed

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// EnvWrite names the environment variable that makes Add write seed files.
const EnvWrite = "GEERPC_WRITE_SEEDS"

// Add adds data to f's corpus and, when EnvWrite is set, also writes it to
// testdata/fuzz/<fuzz target>/ so the seed is committed with the code.
func Add(f *testing.F, data []byte) {
	f.Helper()
	f.Add(data)
	if os.Getenv(EnvWrite) == "" {
		return
	}
	dir := filepath.Join("testdata", "fuzz", f.Name())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		f.Fatal(err)
	}
	body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n"
	sum := sha256.Sum256(data)
	file := filepath.Join(dir, fmt.Sprintf("seed-%x", sum[:8]))
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		f.Fatal(err)
	}
}
