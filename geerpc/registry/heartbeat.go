package registry

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/geerpclab/geerpc/geerpc/internal/backoff"
)

// DefaultRequestTimeout bounds each registry request of a heartbeat when
// HeartbeatOptions.Timeout is zero (or Period, when shorter).
const DefaultRequestTimeout = 10 * time.Second

// HeartbeatOptions configure HeartbeatContext. The zero value of every field works.
type HeartbeatOptions struct {
	// Period is the time between two heartbeats. Zero or negative means
	// DefaultTimeout minus one minute, as the original. For a registry with
	// another TTL, a third of the TTL survives two lost heartbeats.
	Period time.Duration
	// Timeout bounds each request. Zero or negative means
	// DefaultRequestTimeout, or Period when that is shorter.
	Timeout time.Duration
	// Backoff is the delay before the first retry of a failed heartbeat. It
	// doubles with each further failure, never beyond Period, and each wait
	// is drawn between half and all of it (jitter). Zero or negative means
	// one second, or Period when that is shorter.
	Backoff time.Duration
	// Weight is sent in WeightHeader, 1..MaxWeight. Zero means none is sent
	// (the registry then uses DefaultWeight).
	Weight int
	// Token is sent in TokenHeader. Empty means none is sent.
	Token string
	// Deregister asks for a DELETE of the server when ctx ends, so clients
	// stop using it before its TTL runs out. False leaves it to expire.
	Deregister bool
	// Client sends the requests. Nil means a client without keep-alives.
	Client *http.Client
	// Logger receives failed heartbeats (warn) and recoveries (info).
	// Nil means no logging.
	Logger *slog.Logger
}

// withDefaults returns o with its zero fields set to their defaults.
func (o HeartbeatOptions) withDefaults() HeartbeatOptions {
	if o.Period <= 0 {
		o.Period = defaultTimeout - time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = min(DefaultRequestTimeout, o.Period)
	}
	if o.Backoff <= 0 {
		o.Backoff = min(time.Second, o.Period)
	}
	if o.Client == nil {
		o.Client = defaultClient
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// heartbeater sends the heartbeats of one server to one registry.
type heartbeater struct {
	url, addr string
	opts      HeartbeatOptions
	failures  int // consecutive failed heartbeats; used by one goroutine at a time
}

func newHeartbeater(registryURL, addr string, opts HeartbeatOptions) (*heartbeater, error) {
	if err := CheckURL(registryURL); err != nil {
		return nil, err
	}
	if err := CheckAddr(addr); err != nil {
		return nil, err
	}
	if opts.Weight != 0 {
		if _, err := parseWeight(strconv.Itoa(opts.Weight)); err != nil {
			return nil, err
		}
	}
	return &heartbeater{url: registryURL, addr: addr, opts: opts.withDefaults()}, nil
}

// HeartbeatContext registers addr with the registry at registryURL at once
// and then every opts.Period until ctx ends, each POST bounded by
// opts.Timeout. A failed heartbeat (no answer, or a status outside 2xx) is
// retried with exponential backoff and jitter until one succeeds; the
// original stopped for good. When ctx ends it deregisters addr if
// opts.Deregister is set.
//
// It returns at once an error wrapping ErrBadURL, ErrBadAddr or
// ErrBadWeight when an argument is malformed. Otherwise it returns when ctx
// ends: nil, or the error of the deregistration.
func HeartbeatContext(ctx context.Context, registryURL, addr string, opts HeartbeatOptions) error {
	h, err := newHeartbeater(registryURL, addr, opts)
	if err != nil {
		return err
	}
	h.loop(ctx, 0)
	if !h.opts.Deregister {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.opts.Timeout)
	defer cancel()
	return h.send(ctx, http.MethodDelete)
}

// compatContext bounds the heartbeats of Heartbeat. It is never cancelled
// outside tests.
var compatContext = context.Background()

// Heartbeat is the original's API: it sends a heartbeat for addr to the
// registry at once, then every duration (zero: DefaultTimeout minus one
// minute) in the background for the life of the process, retrying failed
// ones as HeartbeatContext does. A malformed registry URL or address makes it
// do nothing rather than panic. HeartbeatContext can be stopped, deregisters,
// and reports those errors.
func Heartbeat(registry, addr string, duration time.Duration) {
	h, err := newHeartbeater(registry, addr, HeartbeatOptions{Period: duration})
	if err != nil {
		return
	}
	ctx := compatContext
	delay := h.step(ctx)
	go h.loop(ctx, delay)
}

// loop sends heartbeats, the first after delay, until ctx ends.
func (h *heartbeater) loop(ctx context.Context, delay time.Duration) {
	t := time.NewTimer(delay)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		t.Reset(h.step(ctx))
	}
}

// step sends one heartbeat and returns the delay until the next one.
func (h *heartbeater) step(ctx context.Context) time.Duration {
	err := h.send(ctx, http.MethodPost)
	switch {
	case err == nil:
		if h.failures > 0 {
			h.opts.Logger.Info("geerpc heartbeat: registry reached again", "addr", h.addr, "failures", h.failures)
		}
		h.failures = 0
		return h.opts.Period
	case ctx.Err() != nil:
		return h.opts.Period // stopping; loop returns
	}
	h.failures++
	d := backoff.Delay(h.opts.Backoff, h.opts.Period, h.failures-1, nil)
	h.opts.Logger.Warn("geerpc heartbeat: failed", "addr", h.addr, "err", err, "retry_in", d)
	return d
}

// send makes one POST or DELETE for h.addr, bounded by the request timeout.
func (h *heartbeater) send(ctx context.Context, method string) error {
	ctx, cancel := context.WithTimeout(ctx, h.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, h.url, nil)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	req.Header.Set(ServerHeader, h.addr)
	if h.opts.Weight != 0 && method == http.MethodPost {
		req.Header.Set(WeightHeader, strconv.Itoa(h.opts.Weight))
	}
	if h.opts.Token != "" {
		req.Header.Set(TokenHeader, h.opts.Token)
	}
	resp, err := h.opts.Client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	defer closeBody(resp)
	return statusError(resp)
}
