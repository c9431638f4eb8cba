package demo

import (
	"context"
	"errors"
	"net/rpc"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestArith(t *testing.T) {
	var a Arith
	tests := []struct {
		name    string
		method  func(Args, *int) error
		args    Args
		want    int
		wantErr error
	}{
		{name: "add", method: a.Add, args: Args{A: 2, B: 3}, want: 5},
		{name: "add negative", method: a.Add, args: Args{A: -2, B: 3}, want: 1},
		{name: "mul", method: a.Mul, args: Args{A: 4, B: -3}, want: -12},
		{name: "div", method: a.Div, args: Args{A: 7, B: 2}, want: 3},
		{name: "div by zero", method: a.Div, args: Args{A: 7}, wantErr: ErrDivideByZero},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got int
			err := tt.method(tt.args, &got)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Fatalf("reply = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestDivideByZeroText(t *testing.T) {
	// The text crosses the wire; clients compare it with the tutorial's.
	if got := ErrDivideByZero.Error(); got != "divide by zero" {
		t.Fatalf("ErrDivideByZero = %q", got)
	}
}

func TestEcho(t *testing.T) {
	v := New(Config{Instance: "tcp@127.0.0.1:1", Latency: time.Hour})
	var reply EchoReply
	args := EchoArgs{Nonce: 42, Payload: []byte("hello")}
	if err := v.Echo.Echo(args, &reply); err != nil {
		t.Fatal(err)
	}
	if reply.Nonce != 42 || string(reply.Payload) != "hello" || reply.Instance != "tcp@127.0.0.1:1" {
		t.Fatalf("reply = %+v", reply)
	}
}

func TestWorkSleep(t *testing.T) {
	tests := []struct {
		name     string
		latency  time.Duration
		duration time.Duration
		wantMin  time.Duration
		wantErr  error
	}{
		{name: "zero", wantMin: 0},
		{name: "duration", duration: 20 * time.Millisecond, wantMin: 20 * time.Millisecond},
		{name: "latency added", latency: 15 * time.Millisecond, duration: 10 * time.Millisecond, wantMin: 25 * time.Millisecond},
		{name: "negative", duration: -time.Millisecond, wantErr: ErrNegativeDuration},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := New(Config{Instance: "w", Latency: tt.latency})
			var reply WorkReply
			start := time.Now()
			err := v.Work.Sleep(context.Background(), WorkArgs{Duration: tt.duration}, &reply)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if elapsed := time.Since(start); elapsed < tt.wantMin || reply.Slept < tt.wantMin {
				t.Fatalf("slept %v (reply %v), want at least %v", elapsed, reply.Slept, tt.wantMin)
			}
			if reply.Instance != "w" {
				t.Fatalf("instance = %q", reply.Instance)
			}
		})
	}
}

func TestWorkSleepStopsWhenContextEnds(t *testing.T) {
	v := New(Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	var reply WorkReply
	err := v.Work.Sleep(ctx, WorkArgs{Duration: time.Hour}, &reply)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if reply.Slept >= time.Minute {
		t.Fatalf("slept %v after the context ended", reply.Slept)
	}
}

func TestSetLatencyConcurrent(t *testing.T) {
	v := New(Config{Latency: time.Millisecond})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 100 {
				v.SetLatency(time.Duration(i*j) * time.Microsecond)
				var reply WorkReply
				_ = v.Work.Sleep(context.Background(), WorkArgs{}, &reply)
			}
		})
	}
	wg.Wait()
	v.SetLatency(-time.Second)
	if got := v.Latency(); got != 0 {
		t.Fatalf("latency after negative set = %v, want 0", got)
	}
}

type recordingRegistrar struct {
	types []string
	err   error
}

func (r *recordingRegistrar) Register(rcvr any) error {
	if r.err != nil {
		return r.err
	}
	r.types = append(r.types, typeName(rcvr))
	return nil
}

func typeName(rcvr any) string {
	switch rcvr.(type) {
	case *Arith:
		return "Arith"
	case *Echo:
		return "Echo"
	case *Work:
		return "Work"
	}
	return "?"
}

func TestRegisterAll(t *testing.T) {
	var r recordingRegistrar
	v, err := RegisterAll(&r, Config{Instance: "i1", Latency: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.types) != 3 || r.types[0] != "Arith" || r.types[1] != "Echo" || r.types[2] != "Work" {
		t.Fatalf("registered %v", r.types)
	}
	if v.Instance() != "i1" || v.Latency() != time.Second {
		t.Fatalf("instance %q latency %v", v.Instance(), v.Latency())
	}
	boom := errors.New("boom")
	if _, err := RegisterAll(&recordingRegistrar{err: boom}, Config{}); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want wrapping boom", err)
	}
}

func TestNetRPCShapes(t *testing.T) {
	// Arith and Echo keep the net/rpc shape so baselines can serve them.
	v := New(Config{Instance: "netrpc"})
	srv := rpc.NewServer()
	for _, rcvr := range []any{v.Arith, v.Echo} {
		if err := srv.Register(rcvr); err != nil {
			t.Fatalf("net/rpc Register(%T): %v", rcvr, err)
		}
	}
}
