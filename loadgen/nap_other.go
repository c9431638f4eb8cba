//go:build !linux

package loadgen

import "time"

// nap sleeps for d, which is at most napMax. Outside Linux it is a runtime
// sleep, rounded as the platform's timers round it.
func nap(d time.Duration) { time.Sleep(d) }
