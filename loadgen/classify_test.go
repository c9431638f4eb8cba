package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/geerpclab/geerpc/geerpc"
)

// netTimeout is a net.Error that timed out, like a read deadline.
type netTimeout struct{}

func (netTimeout) Error() string   { return "i/o timeout" }
func (netTimeout) Timeout() bool   { return true }
func (netTimeout) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name string
		err  error
		want Outcome
	}{
		{name: "nil", err: nil, want: OutcomeOK},
		{name: "server error", err: geerpc.ServerError("divide by zero"), want: OutcomeServer},
		{name: "wrapped server error", err: fmt.Errorf("call: %w", geerpc.ServerError("x")), want: OutcomeServer},
		{name: "server timeout text", err: geerpc.ServerError("geerpc: handle timeout"), want: OutcomeServer},
		{name: "deadline", err: context.DeadlineExceeded, want: OutcomeTimeout},
		{name: "wrapped deadline", err: fmt.Errorf("geerpc: call failed: %w", context.DeadlineExceeded), want: OutcomeTimeout},
		{name: "net timeout", err: &net.OpError{Op: "read", Err: netTimeout{}}, want: OutcomeTimeout},
		{name: "canceled", err: fmt.Errorf("x: %w", context.Canceled), want: OutcomeCanceled},
		{name: "shutdown", err: fmt.Errorf("x: %w", geerpc.ErrShutdown), want: OutcomeTransport},
		{name: "not sent", err: errors.Join(geerpc.ErrNotSent, io.ErrClosedPipe), want: OutcomeTransport},
		{name: "eof", err: io.EOF, want: OutcomeTransport},
		{name: "refused", err: refused, want: OutcomeTransport},
		{name: "reset", err: fmt.Errorf("x: %w", syscall.ECONNRESET), want: OutcomeTransport},
		{name: "other", err: errors.New("gob: type mismatch"), want: OutcomeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err); got != tt.want {
				t.Fatalf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestOutcomeNames(t *testing.T) {
	want := []string{"ok", "timeout", "transport", "server", "canceled", "invalid", "other"}
	for i, o := range Outcomes() {
		if o.String() != want[i] {
			t.Fatalf("outcome %d = %q, want %q", i, o, want[i])
		}
	}
	if Outcome(200).String() != "unknown" {
		t.Fatal("out of range outcome has a name")
	}
}
