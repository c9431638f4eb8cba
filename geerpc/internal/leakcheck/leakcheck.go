// Package leakcheck fails a test binary that leaves goroutines behind, using
// the standard library only so that the core module requires nothing.
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Settle is how long VerifyTestMain waits for goroutines to end after the
// tests pass: generous, because a loaded machine may be slow to schedule
// the last of them. A leak is a goroutine still there after Settle.
const Settle = 10 * time.Second

// ignored are goroutines the runtime and the testing package keep for the
// life of the process; they are never a test's leak.
var ignored = []string{
	"testing.(*M).",
	"testing.tRunner",
	"testing.runFuzzing",
	"testing.runFuzzTests",
	"os/signal.signal_recv",
	"os/signal.loop",
	"runtime.ensureSigM",
	"internal/fuzz.",
}

// VerifyTestMain runs the tests, then exits with status 1 if goroutines
// other than the runtime's and the testing package's are still alive
// after Settle, printing their stacks. Use it as the whole of TestMain.
func VerifyTestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := Wait(Settle); len(leaked) > 0 {
			fmt.Fprintf(os.Stderr, "leakcheck: %d goroutine(s) left after the tests:\n\n%s\n",
				len(leaked), strings.Join(leaked, "\n\n"))
			code = 1
		}
	}
	os.Exit(code)
}

// Wait polls until no goroutine but the caller and the ignored ones is
// alive, or until d has passed; it returns the stacks still alive then.
func Wait(d time.Duration) []string {
	deadline := time.Now().Add(d)
	for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		leaked := Others()
		if len(leaked) == 0 || time.Now().After(deadline) {
			return leaked
		}
		time.Sleep(delay)
	}
}

// Others returns the stacks of every goroutine but the caller's and the
// ignored ones.
func Others() []string {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	stacks := strings.Split(string(buf), "\n\n")
	var out []string
	for _, s := range stacks[1:] { // stacks[0] is the caller's own goroutine
		if s = strings.TrimSpace(s); s != "" && !isIgnored(s) {
			out = append(out, s)
		}
	}
	return out
}

func isIgnored(stack string) bool {
	for _, fn := range ignored {
		if strings.Contains(stack, fn) {
			return true
		}
	}
	return false
}
