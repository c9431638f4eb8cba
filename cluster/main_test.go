package cluster

import (
	"context"
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// testBinary is the geerpc binary the process tests run, built once.
var testBinary string

func TestMain(m *testing.M) {
	if os.Getenv(orphanEnv) != "" {
		orphanMain() // the helper process of TestChildrenDieWithTheHarness
		return
	}
	dir, err := os.MkdirTemp("", "geerpc-cluster-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testBinary, err = Build(context.Background(), dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
