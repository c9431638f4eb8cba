package demo

import (
	"fmt"
	"sync/atomic"
	"time"
)

// Config describes one demo instance. The zero value is an unnamed instance
// without extra latency.
type Config struct {
	// Instance is the name carried in EchoReply and WorkReply, usually the
	// server's address; empty means replies name no instance.
	Instance string
	// Latency is extra latency added to every Work.Sleep; zero means none.
	// Services.SetLatency changes it while the instance serves.
	Latency time.Duration
}

// state is what the services of one instance share.
type state struct {
	instance string
	latency  atomic.Int64 // nanoseconds
}

// Latency returns the configured extra latency.
func (s *state) Latency() time.Duration {
	return time.Duration(s.latency.Load())
}

// Registrar is anything services register on, such as a *geerpc.Server or a
// *rpc.Server (which accepts Arith and Echo only).
type Registrar interface {
	Register(rcvr any) error
}

// Services is one instance's set of demo services. Its methods are safe for
// concurrent use.
type Services struct {
	Arith *Arith
	Echo  *Echo
	Work  *Work
	s     *state
}

// New returns the services of an instance configured by cfg.
func New(cfg Config) *Services {
	s := &state{instance: cfg.Instance}
	s.latency.Store(int64(cfg.Latency))
	return &Services{Arith: &Arith{}, Echo: &Echo{s: s}, Work: &Work{s: s}, s: s}
}

// Instance returns the instance name carried in replies.
func (v *Services) Instance() string { return v.s.instance }

// Latency returns the extra latency Work.Sleep currently adds.
func (v *Services) Latency() time.Duration { return v.s.Latency() }

// SetLatency changes the extra latency Work.Sleep adds, from the next call
// on. Negative values count as zero.
func (v *Services) SetLatency(d time.Duration) {
	v.s.latency.Store(int64(max(d, 0)))
}

// Register registers Arith, Echo and Work on r under their type names.
func (v *Services) Register(r Registrar) error {
	for _, rcvr := range []any{v.Arith, v.Echo, v.Work} {
		if err := r.Register(rcvr); err != nil {
			return fmt.Errorf("geerpc: demo: register %T: %w", rcvr, err)
		}
	}
	return nil
}

// RegisterAll is like New followed by Register: it registers the services of
// an instance configured by cfg on r and returns them, so that the caller can
// change their latency later.
func RegisterAll(r Registrar, cfg Config) (*Services, error) {
	v := New(cfg)
	if err := v.Register(r); err != nil {
		return nil, err
	}
	return v, nil
}
