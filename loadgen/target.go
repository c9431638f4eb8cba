package loadgen

import (
	"fmt"
	"time"

	"github.com/geerpclab/geerpc/demo"
)

// Target describes the calls of a run: which method, with which arguments,
// and how to tell a right reply from a wrong one.
type Target struct {
	// Method is the service method, such as "Echo.Echo".
	Method string
	// New returns the arguments and a pointer to a fresh reply for call seq.
	New func(seq uint64) (args, reply any)
	// Check inspects the reply of a call that returned nil. It returns the
	// instance that served the call ("" if unknown) and an error wrapping
	// ErrBadReply when the reply does not match the call. Nil means no check
	// and an unknown instance.
	Check func(seq uint64, reply any) (instance string, err error)
}

// EchoTarget calls Echo.Echo with a payload of size bytes and the call's
// sequence number as the nonce. Its Check proves that each reply belongs to
// its call (same nonce, same payload length) and reads the serving instance
// from the reply.
func EchoTarget(size int) Target { return EchoTargetFrom(size, 0) }

// EchoTargetFrom is like EchoTarget but call seq carries the nonce
// base|seq, so that several runs sharing servers keep their nonces apart
// (base holds a run number in bits seq never reaches).
func EchoTargetFrom(size int, base uint64) Target {
	payload := make([]byte, max(size, 0))
	for i := range payload {
		payload[i] = byte('a' + i%26)
	}
	return Target{
		Method: "Echo.Echo",
		New: func(seq uint64) (any, any) {
			return demo.EchoArgs{Nonce: base | seq, Payload: payload}, new(demo.EchoReply)
		},
		Check: func(seq uint64, reply any) (string, error) {
			r, ok := reply.(*demo.EchoReply)
			switch {
			case !ok:
				return "", fmt.Errorf("%w: reply is %T", ErrBadReply, reply)
			case r.Nonce != base|seq:
				return r.Instance, fmt.Errorf("%w: nonce %d, want %d", ErrBadReply, r.Nonce, base|seq)
			case len(r.Payload) != len(payload):
				return r.Instance, fmt.Errorf("%w: payload of %d bytes, want %d", ErrBadReply, len(r.Payload), len(payload))
			}
			return r.Instance, nil
		},
	}
}

// SleepTarget calls Work.Sleep for d (the server adds its configured extra
// latency) and reads the serving instance from the reply.
func SleepTarget(d time.Duration) Target {
	return Target{
		Method: "Work.Sleep",
		New: func(uint64) (any, any) {
			return demo.WorkArgs{Duration: d}, new(demo.WorkReply)
		},
		Check: func(_ uint64, reply any) (string, error) {
			r, ok := reply.(*demo.WorkReply)
			if !ok {
				return "", fmt.Errorf("%w: reply is %T", ErrBadReply, reply)
			}
			return r.Instance, nil
		},
	}
}

// AddTarget calls Arith.Add with A = seq and B = 1 and checks the sum.
func AddTarget() Target {
	return Target{
		Method: "Arith.Add",
		New: func(seq uint64) (any, any) {
			return demo.Args{A: int(seq), B: 1}, new(int)
		},
		Check: func(seq uint64, reply any) (string, error) {
			r, ok := reply.(*int)
			if !ok || *r != int(seq)+1 {
				return "", fmt.Errorf("%w: sum %v for %d+1", ErrBadReply, reply, seq)
			}
			return "", nil
		},
	}
}
