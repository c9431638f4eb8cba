package backoff

import (
	"context"
	"testing"
	"time"
)

func TestDelayDoublesWithinItsUpperHalf(t *testing.T) {
	tests := []struct {
		n        int
		lo, high time.Duration
	}{
		{n: 0, lo: 50 * time.Millisecond, high: 100 * time.Millisecond},
		{n: 1, lo: 100 * time.Millisecond, high: 200 * time.Millisecond},
		{n: 3, lo: 400 * time.Millisecond, high: 800 * time.Millisecond},
		{n: 10, lo: 500 * time.Millisecond, high: time.Second},      // capped
		{n: 1 << 30, lo: 500 * time.Millisecond, high: time.Second}, // no overflow
	}
	lowest := func(int64) int64 { return 0 }
	highest := func(n int64) int64 { return n - 1 }
	for _, tt := range tests {
		lo := Delay(100*time.Millisecond, time.Second, tt.n, lowest)
		hi := Delay(100*time.Millisecond, time.Second, tt.n, highest)
		if lo != tt.lo || hi != tt.high {
			t.Errorf("retry %d: delays %v..%v, want %v..%v", tt.n, lo, hi, tt.lo, tt.high)
		}
		if d := Delay(100*time.Millisecond, time.Second, tt.n, nil); d < tt.lo || d > tt.high {
			t.Errorf("retry %d: random delay %v outside %v..%v", tt.n, d, tt.lo, tt.high)
		}
	}
}

func TestSleepEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Sleep(ctx, time.Hour) {
		t.Fatal("Sleep outlived its context")
	}
	if !Sleep(context.Background(), time.Millisecond) {
		t.Fatal("Sleep did not report its full wait")
	}
}
