// Package toggle keeps a background loop that stops and starts again: the harness's one start/stop pair for heartbeats.
package toggle

import (
	"context"
	"sync"
)

// Starter starts a loop and returns what stops it and a channel closed
// once it returned.
type Starter func() (stop func(), done <-chan struct{}, err error)

// Go is a Starter that runs f in a goroutine until its context is
// cancelled.
func Go(f func(ctx context.Context)) Starter {
	return func() (func(), <-chan struct{}, error) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			f(ctx)
		}()
		return cancel, done, nil
	}
}

// Loop is a background loop, running or stopped; the zero Loop is stopped.
// Whoever holds mu owns the running loop's stop and done.
type Loop struct {
	mu   sync.Mutex      // protects following
	stop func()          // ends the running loop; nil while stopped
	done <-chan struct{} // closed when the running loop returned
}

// Start starts a loop with start unless one runs.
func (l *Loop) Start(start Starter) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stop != nil {
		return nil
	}
	stop, done, err := start()
	if err != nil {
		return err
	}
	l.stop, l.done = stop, done
	return nil
}

// Stop stops the running loop, if any, and returns once it returned.
func (l *Loop) Stop() {
	l.mu.Lock()
	stop, done := l.stop, l.done
	l.stop, l.done = nil, nil
	l.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}
