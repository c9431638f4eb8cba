package geerpc

import "time"

// inlineBudget is how long a request run by the reading goroutine may keep
// it before the reading role goes to a new goroutine, so that a handler
// that blocks holds up the connection's later requests by this much at
// most (plus the timer's own lateness).
const inlineBudget = 100 * time.Microsecond

// States of the reading role, in serverConn.role.
const (
	roleReading  int32 = iota // the reading goroutine reads, or dispatches
	roleInline                // it runs a request; handOff may take the role
	roleHandedOn              // handOff gave the role to a new goroutine
)

// A lone request (none other in flight on the connection, and no byte of a
// next one read yet) runs on the reading goroutine, which writes its reply
// itself: no worker is woken, so the call costs one goroutine wake-up fewer
// on the server. Requests that arrive together still go to workers, so
// their replies are coalesced as before rather than written one by one.
// Only the gob codec runs requests inline: the JSON decoders buffer input
// of their own, where a next request could wait unseen.
//
// Who holds the reading role, at every moment: one goroutine, the one in
// read. Before it runs a request inline it sets roleInline and arms
// sc.handoff; if the request is still running when the timer fires,
// handOff moves the role to a new goroutine (roleInline -> roleHandedOn),
// and the goroutine that ran the request, seeing the swap back to
// roleReading fail, stops reading. Only the role's holder sets roleInline,
// so at most one goroutine reads. A timer that fires late, for an earlier
// request, can only hand the role on early, never add a reader.

// runInline runs req on the reading goroutine; it reports whether this
// goroutine still holds the reading role afterwards.
func (sc *serverConn) runInline(req *request) bool {
	sc.role.Store(roleInline)
	sc.handoff.Reset(inlineBudget)
	sc.handle(req)
	if !sc.role.CompareAndSwap(roleInline, roleReading) {
		return false
	}
	sc.handoff.Stop()
	return true
}

// inputDrained reports whether nothing of a next request has been read
// yet, so that the one just read is alone. Only the reading role calls it.
func (sc *serverConn) inputDrained() bool {
	return sc.input != nil && sc.input.Buffered() == 0
}

// handOff gives the reading role to a new goroutine if a request run
// inline still holds it.
func (sc *serverConn) handOff() {
	if sc.role.CompareAndSwap(roleInline, roleHandedOn) {
		go sc.readOn()
	}
}

// readOn reads in place of a goroutine that handed the role on; if reading
// ends here, it ends the contexts of the calls in flight (serve may be
// running one of them inline) and tells serve, which waits for that to
// finish the connection.
func (sc *serverConn) readOn() {
	if sc.read() {
		sc.readingEnded()
		close(sc.readEnded)
	}
}
