//go:build linux

package loadgen

import (
	"syscall"
	"time"
)

// nap sleeps for d, which is at most napMax, with the kernel's high
// resolution timers: about 70µs late here, where a runtime timer rounds up
// to the next millisecond. It cannot be interrupted, so it is only used for
// the last stretch before a call is due.
func nap(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	_ = syscall.Nanosleep(&ts, nil) // EINTR only shortens the nap
}
