package etcdregistry

import (
	"context"
	"log/slog"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Defaults used when an option is left at its zero value.
const (
	// DefaultPrefix is the key prefix under which servers are registered.
	DefaultPrefix = "/geerpc/services"
	// DefaultTTL is the lease TTL of a registration.
	DefaultTTL = 10 * time.Second
	// DefaultOpTimeout bounds each single etcd request made in the background.
	DefaultOpTimeout = 5 * time.Second
	// DefaultMinBackoff is the first delay before retrying a failed etcd operation.
	DefaultMinBackoff = 100 * time.Millisecond
	// DefaultMaxBackoff caps the delay between retries of a failed etcd operation.
	DefaultMaxBackoff = 5 * time.Second
	// MaxAddrLen is the longest server address accepted by Register.
	MaxAddrLen = 256
)

// RegisterOptions tunes Register. The zero value works: every field says
// what its zero value means.
type RegisterOptions struct {
	// TTL is the lease TTL: how long the key outlives its last heartbeat.
	// It is rounded up to whole seconds, and etcd raises a TTL below its own
	// minimum (one and a half election timeouts). Heartbeats go every third
	// of the TTL. Zero means DefaultTTL.
	TTL time.Duration
	// Weight is the instance's balancing weight, stored in the key's value.
	// Zero means the default weight 1.
	Weight int
	// Metadata is stored with the instance in the key's value. Nil means none.
	Metadata map[string]string
	// OpTimeout bounds each etcd request made in the background (re-grant,
	// re-put, revoke). Zero means DefaultOpTimeout.
	OpTimeout time.Duration
	// MinBackoff and MaxBackoff bound the jittered exponential delay between
	// attempts to register again after the lease was lost. Zero means
	// DefaultMinBackoff and DefaultMaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// Logger receives lease losses and re-registrations. Nil means no logging.
	Logger *slog.Logger
}

// DiscoveryOptions tunes NewDiscovery. The zero value works: every field
// says what its zero value means.
type DiscoveryOptions struct {
	// OpTimeout bounds each list request made in the background.
	// Zero means DefaultOpTimeout.
	OpTimeout time.Duration
	// MinBackoff and MaxBackoff bound the jittered exponential delay between
	// attempts to list and watch again after a failure. Zero means
	// DefaultMinBackoff and DefaultMaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// Logger receives watch failures, relists and malformed values.
	// Nil means no logging.
	Logger *slog.Logger
}

// normPrefix returns the prefix without trailing slashes, or DefaultPrefix.
func normPrefix(prefix string) string {
	prefix = strings.TrimRight(prefix, "/")
	if prefix == "" {
		return DefaultPrefix
	}
	return prefix
}

// orDuration returns d, or def when d is not positive.
func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// orLogger returns l, or a logger that discards everything.
func orLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// opContext bounds ctx by timeout and ends it as soon as cli is closed, so
// that no request waits on the retries of a closed client.
func opContext(ctx context.Context, cli *clientv3.Client, timeout time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	stop := context.AfterFunc(cli.Ctx(), cancel)
	return ctx, func() { stop(); cancel() }
}
