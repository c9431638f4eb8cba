package pause

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestForReportsWhetherTheDelayPassed(t *testing.T) {
	if !For(context.Background(), time.Millisecond) {
		t.Error("For on a live context = false, want true")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if For(ctx, time.Hour) {
		t.Error("For on an ended context = true, want false")
	}
	if Until(ctx, time.Now().Add(time.Hour)) {
		t.Error("Until on an ended context = true, want false")
	}
	if !Until(context.Background(), time.Now().Add(-time.Second)) {
		t.Error("Until a past time = false, want true")
	}
}

func TestForOrEndsWhenStopCloses(t *testing.T) {
	stop := make(chan struct{})
	close(stop)
	if ForOr(context.Background(), stop, time.Hour) {
		t.Error("ForOr with a closed stop = true, want false")
	}
	if !ForOr(context.Background(), make(chan struct{}), time.Millisecond) {
		t.Error("ForOr with an open stop = false, want true")
	}
	if !ForOr(context.Background(), nil, time.Millisecond) {
		t.Error("ForOr with a nil stop = false, want true")
	}
}
