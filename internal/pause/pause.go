// Package pause waits out a delay unless a context ends first: the harness's one timer-and-select.
package pause

import (
	"context"
	"time"
)

// For waits d or until ctx ends; it reports whether d passed.
func For(ctx context.Context, d time.Duration) bool { return ForOr(ctx, nil, d) }

// ForOr waits d or until ctx ends or stop is closed (a nil stop never
// is); it reports whether d passed.
func ForOr(ctx context.Context, stop <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-stop:
	}
	return false
}

// Until waits until t or until ctx ends; it reports whether t came first.
func Until(ctx context.Context, t time.Time) bool { return For(ctx, time.Until(t)) }
