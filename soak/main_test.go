package soak

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/geerpclab/geerpc/internal/testserver"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, testserver.IgnoreToxiproxyStubs)
}
