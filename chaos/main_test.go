package chaos

import (
	"flag"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/geerpclab/geerpc/chaos/internal/scenariotest"
	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/internal/testserver"
)

var seedFlag = flag.Uint64("chaos.seed", 0, "seed of the randomised tests (0: from the clock); printed on failure")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, testserver.IgnoreToxiproxyStubs)
}

// testSeed returns the seed of a test and prints it if the test fails, so
// that the run replays with -chaos.seed.
func testSeed(t *testing.T) uint64 {
	t.Helper()
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay with: go test -run '^%s$' ./chaos/ -chaos.seed=%d", t.Name(), seed)
		}
	})
	return seed
}

// validScenario returns a small scenario that passes Validate; tests break
// one field of it at a time.
func validScenario() *scenario.Scenario { return scenariotest.Valid() }
