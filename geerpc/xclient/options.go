package xclient

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
)

// FailMode says what a call does when an attempt fails.
type FailMode int

// The fail modes. Every retry stays within the caller's deadline, waits an
// exponential backoff with jitter, and spends the retry budget. Only calls
// that surely did not run (errors wrapping geerpc.ErrNotSent) or that are
// idempotent (WithIdempotent, Options.Idempotent) are retried.
const (
	// Failfast returns the first error (the default, as the original).
	Failfast FailMode = iota
	// Failover retries on another instance.
	Failover
	// Failtry retries on the same instance, redialling it if its connection
	// broke.
	Failtry
)

var failModeNames = [...]string{"failfast", "failover", "failtry"}

// String returns the mode's name, e.g. "failover".
func (m FailMode) String() string {
	if m < 0 || int(m) >= len(failModeNames) {
		return "FailMode(?)"
	}
	return failModeNames[m]
}

// Defaults of Options fields left zero.
const (
	DefaultMaxAttempts   = 3
	DefaultBackoffBase   = 10 * time.Millisecond
	DefaultBackoffMax    = time.Second
	DefaultRetryRatio    = 0.1
	DefaultRetryBurst    = 10
	DefaultEjectAfter    = 5
	DefaultEjectBase     = time.Second
	DefaultEjectMax      = 30 * time.Second
	DefaultMaxEjectedPct = 50
)

// Options configure an XClient. The zero value works: random balancing,
// failfast, the default geerpc.Option, outlier ejection on.
type Options struct {
	// Mode is the built-in balancing mode; zero means RandomSelect.
	Mode SelectMode
	// Balancer, when not nil, replaces the balancer of Mode. It must serve
	// this XClient only.
	Balancer Balancer
	// DialOption is the Option of every connection; nil means
	// geerpc.DefaultOption.
	DialOption *geerpc.Option
	// Dial, when not nil, opens the connection to an instance instead of
	// geerpc.XDialContext (for example to wrap the net.Conn); it must honour
	// ctx, which ends when the XClient closes.
	Dial func(ctx context.Context, addr string) (*geerpc.Client, error)

	// dial, when set by tests, replaces the real dial.
	dial dialFunc

	// FailMode is what a failed attempt leads to; zero means Failfast.
	FailMode FailMode
	// MaxAttempts bounds the attempts of Failover and Failtry, the first
	// included; zero means DefaultMaxAttempts.
	MaxAttempts int
	// AttemptTimeout bounds each attempt, so that a retry fits in the
	// caller's deadline; zero means an attempt may use all of it.
	AttemptTimeout time.Duration
	// BackoffBase is the wait before the first retry, doubled for each next
	// one; zero means DefaultBackoffBase.
	BackoffBase time.Duration
	// BackoffMax caps the backoff; zero means DefaultBackoffMax.
	BackoffMax time.Duration
	// RetryRatio is the share of calls that may be retried or hedged (token
	// bucket); zero means DefaultRetryRatio, a negative value means no limit.
	RetryRatio float64
	// RetryBurst is the number of retries allowed before the ratio applies;
	// zero means DefaultRetryBurst.
	RetryBurst int
	// Idempotent marks every call idempotent (see WithIdempotent); false
	// means only calls whose context says so.
	Idempotent bool
	// HedgeDelay, when positive, sends an idempotent call a second time to
	// another instance if no answer came within it; the first answer wins.
	// Zero means no hedging.
	HedgeDelay time.Duration

	// EjectAfter is the number of consecutive transport errors or timeouts
	// that eject an instance; zero means DefaultEjectAfter, negative means
	// never eject.
	EjectAfter int
	// EjectBase is the first ejection time; each ejection soon after a
	// return, and each failed trial call of an ejected instance, doubles the
	// next. Zero means DefaultEjectBase.
	EjectBase time.Duration
	// EjectMax caps an ejection time; zero means DefaultEjectMax.
	EjectMax time.Duration
	// MaxEjectedPercent caps the share of instances ejected at once (at
	// least one of two or more may be); zero means DefaultMaxEjectedPct.
	MaxEjectedPercent int

	// VirtualNodes is the ring points per unit of weight of
	// ConsistentHashSelect; zero means DefaultVirtualNodes.
	VirtualNodes int
	// Seed seeds random picking and jitter for replayable tests; zero means
	// an unseeded generator.
	Seed uint64
	// Logger receives ejections, returns, redials and evictions; nil means
	// no logging.
	Logger *slog.Logger
}

// withDefaults returns o with zero fields set to their defaults.
func (o Options) withDefaults() Options {
	o.MaxAttempts = cmp.Or(o.MaxAttempts, DefaultMaxAttempts)
	o.BackoffBase = cmp.Or(o.BackoffBase, DefaultBackoffBase)
	o.BackoffMax = cmp.Or(o.BackoffMax, DefaultBackoffMax)
	o.RetryRatio = cmp.Or(o.RetryRatio, DefaultRetryRatio)
	o.RetryBurst = cmp.Or(o.RetryBurst, DefaultRetryBurst)
	o.EjectAfter = cmp.Or(o.EjectAfter, DefaultEjectAfter)
	o.EjectBase = cmp.Or(o.EjectBase, DefaultEjectBase)
	o.EjectMax = cmp.Or(o.EjectMax, DefaultEjectMax)
	o.MaxEjectedPercent = cmp.Or(o.MaxEjectedPercent, DefaultMaxEjectedPct)
	o.VirtualNodes = cmp.Or(o.VirtualNodes, DefaultVirtualNodes)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Balancer == nil {
		o.Balancer = newBalancer(o.Mode, o.VirtualNodes, o.Seed)
	}
	return o
}
