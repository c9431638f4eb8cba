package soak

import (
	"context"
	"fmt"
	"sync"

	"github.com/geerpclab/geerpc/chaos"
	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/loadgen"
)

// Accounts is how the calls of one phase ended: every call sent must end
// exactly once, ok with its own nonce or with a classified error.
type Accounts struct {
	Sent       int64                  `json:"sent"`       // calls handed to the client
	Ended      int64                  `json:"ended"`      // returns of the client
	Classes    map[chaos.Class]int64  `json:"classes"`    // how they ended
	InFlight   int64                  `json:"in_flight"`  // sent and never ended
	Unmatched  int64                  `json:"unmatched"`  // ended without being in flight (twice, or never sent)
	Duplicates int64                  `json:"duplicates"` // sent while already in flight
	Observed   int64                  `json:"observed"`   // results loadgen reported
	Samples    map[chaos.Class]string `json:"error_samples,omitempty"`
}

// Sum returns the calls of every class.
func (a Accounts) Sum() int64 {
	var n int64
	for _, c := range a.Classes {
		n += c
	}
	return n
}

// Problems returns what breaks the exactly-once rule; canceled calls count
// only when the run was not interrupted.
func (a Accounts) Problems(interrupted bool) []string {
	var p []string
	add := func(bad bool, format string, args ...any) {
		if bad {
			p = append(p, fmt.Sprintf(format, args...))
		}
	}
	add(a.InFlight != 0, "%d never ended", a.InFlight)
	add(a.Unmatched != 0, "%d ended twice or unsent", a.Unmatched)
	add(a.Duplicates != 0, "%d nonces sent twice", a.Duplicates)
	add(a.Ended != a.Sent, "%d ended of %d sent", a.Ended, a.Sent)
	add(a.Sum() != a.Sent, "classes sum to %d of %d sent", a.Sum(), a.Sent)
	add(a.Observed != a.Sent, "loadgen reported %d of %d sent", a.Observed, a.Sent)
	add(a.Classes[chaos.ClassInvalid] != 0, "%d ok with another call's nonce", a.Classes[chaos.ClassInvalid])
	add(a.Classes[chaos.ClassOther] != 0, "%d unclassified errors (%s)", a.Classes[chaos.ClassOther], a.Samples[chaos.ClassOther])
	add(!interrupted && a.Classes[chaos.ClassCanceled] != 0, "%d canceled", a.Classes[chaos.ClassCanceled])
	return p
}

// ringBits is the size of a ledger's in-flight ring: a call still in flight
// when the call ringBits later is sent counts as a duplicate. At 50,000
// calls/s that is 80s, far beyond any call's timeout.
const ringBits = 1 << 22

// ledger keeps the accounts of one phase. Its memory is fixed when it is
// made (a ring of one bit per sequence number, 512KiB), so a long soak
// does not grow the heap it measures.
type ledger struct {
	mu       sync.Mutex // protects following
	ring     []uint64   // bit nonce%ringBits is set while that call is in flight
	inflight int64
	acc      Accounts
}

func newLedger() *ledger {
	return &ledger{
		ring: make([]uint64, ringBits/64),
		acc:  Accounts{Classes: map[chaos.Class]int64{}, Samples: map[chaos.Class]string{}},
	}
}

// slot returns the word and bit of nonce in the ring.
func slot(nonce uint64) (int, uint64) {
	i := nonce % ringBits
	return int(i / 64), 1 << (i % 64)
}

func (l *ledger) sent(nonce uint64) {
	w, bit := slot(nonce)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.acc.Sent++
	if l.ring[w]&bit != 0 {
		l.acc.Duplicates++
		return
	}
	l.ring[w] |= bit
	l.inflight++
}

func (l *ledger) ended(nonce uint64, c chaos.Class, err error) {
	w, bit := slot(nonce)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.acc.Ended++
	l.acc.Classes[c]++
	if l.ring[w]&bit == 0 {
		l.acc.Unmatched++
	} else {
		l.ring[w] &^= bit
		l.inflight--
	}
	if err != nil && l.acc.Samples[c] == "" {
		l.acc.Samples[c] = err.Error()
	}
}

func (l *ledger) observe(loadgen.Result) {
	l.mu.Lock()
	l.acc.Observed++
	l.mu.Unlock()
}

// accounts returns a copy of the accounts so far.
func (l *ledger) accounts() Accounts {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.acc
	a.InFlight = l.inflight
	a.Classes, a.Samples = map[chaos.Class]int64{}, map[chaos.Class]string{}
	for k, v := range l.acc.Classes {
		a.Classes[k] = v
	}
	for k, v := range l.acc.Samples {
		a.Samples[k] = v
	}
	return a
}

// ledgerInvoker calls through inv and books every Echo call in l.
type ledgerInvoker struct {
	inv loadgen.Invoker
	l   *ledger
}

// Call books the call as sent, makes it and books how it ended.
func (li ledgerInvoker) Call(ctx context.Context, method string, args, reply any) error {
	a, _ := args.(demo.EchoArgs)
	li.l.sent(a.Nonce)
	err := li.inv.Call(ctx, method, args, reply)
	r, _ := reply.(*demo.EchoReply)
	li.l.ended(a.Nonce, chaos.Classify(err, r != nil && r.Nonce == a.Nonce), err)
	return err
}

// phaseBits is how many low bits of a nonce carry the call's sequence
// number; the bits above carry the phase, so no reply of one phase can pass
// for a call of another.
const phaseBits = 40

// echoTarget is the Echo target of a phase: nonce = phase<<phaseBits | seq.
func echoTarget(phase int, payload int) loadgen.Target {
	return loadgen.EchoTargetFrom(payload, uint64(phase)<<phaseBits)
}
