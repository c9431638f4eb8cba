package etcdregistry

import (
	"context"
	"log/slog"
	"strings"
	"sync"
)

// logRecorder is a slog.Handler that keeps every record, for tests to check
// what the package logged.
type logRecorder struct {
	mu      sync.Mutex // protects following
	records []slog.Record
}

// logger returns a logger writing to h.
func (h *logRecorder) logger() *slog.Logger { return slog.New(h) }

// Enabled accepts every level.
func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

// Handle keeps r.
func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}

// WithAttrs returns h: the tests look at record attributes only.
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }

// WithGroup returns h.
func (h *logRecorder) WithGroup(string) slog.Handler { return h }

// errs returns the "err" attributes of the records whose message contains msg,
// and how many such records there are.
func (h *logRecorder) errs(msg string) (errs []error, n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.records {
		if !strings.Contains(r.Message, msg) {
			continue
		}
		n++
		r.Attrs(func(a slog.Attr) bool {
			if err, ok := a.Value.Any().(error); ok && a.Key == "err" {
				errs = append(errs, err)
			}
			return true
		})
	}
	return errs, n
}
