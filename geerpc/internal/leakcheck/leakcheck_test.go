package leakcheck

import (
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { VerifyTestMain(m) }

// TestOthersSeesAStrayGoroutineUntilItEnds: a goroutine parked on a channel
// is reported with its stack, and no longer once it has returned.
func TestOthersSeesAStrayGoroutineUntilItEnds(t *testing.T) {
	release, done := make(chan struct{}), make(chan struct{})
	go func() { strayForTest(release); close(done) }()
	leaked := Wait(50 * time.Millisecond)
	if !containsFunc(leaked, "strayForTest") {
		t.Fatalf("the parked goroutine was not reported; got %q", leaked)
	}
	close(release)
	<-done
	if leaked := Wait(Settle); containsFunc(leaked, "strayForTest") {
		t.Fatalf("a goroutine that returned is still reported: %q", leaked)
	}
}

func strayForTest(release chan struct{}) { <-release }

func containsFunc(stacks []string, fn string) bool {
	for _, s := range stacks {
		if strings.Contains(s, fn) {
			return true
		}
	}
	return false
}
