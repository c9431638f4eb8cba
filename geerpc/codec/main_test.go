package codec

import (
	"testing"

	"github.com/geerpclab/geerpc/geerpc/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
