package chaos

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
)

const ms = time.Millisecond

// judgedResult is a result of one failover variant whose calls are given,
// with the stalls given, judged on its deadlines and a 95% success ratio.
func judgedResult(stalls []Stall, calls ...callRecord) *Result {
	s := validScenario()
	s.Thresholds = scenario.Thresholds{MinSuccess: []scenario.SuccessThreshold{{FailMode: "failover", Min: 0.95}}, DeadlineSlack: scenario.Duration(50 * ms)}
	r := &Result{Scenario: s, Stalls: Stalls{Count: len(stalls), Spans: stalls}}
	var ok int64
	for i := range calls {
		calls[i].seq, calls[i].ends, calls[i].observed = uint64(i), 1, 1
		if calls[i].class == ClassOK {
			ok++
		}
	}
	n := int64(len(calls))
	r.Variants = []VariantResult{{Name: "p2c/failover", FailMode: "failover", Calls: n, OK: ok, Success: float64(ok) / float64(n)}}
	r.raw = []variantData{{all: calls, calls: calls}}
	return r
}

// onTime returns n calls of 300ms that ended ok well before their deadline.
func onTime(n int) []callRecord {
	var cs []callRecord
	for i := range n {
		at := time.Duration(i) * 10 * ms
		cs = append(cs, callRecord{start: at, end: at + 5*ms, deadline: at + 300*ms, class: ClassOK})
	}
	return cs
}

// lateCall started at 1s with a 300ms deadline and ended as a timeout 200ms
// after it, beyond the 50ms slack.
var lateCall = callRecord{start: time.Second, end: 1500 * ms, deadline: 1300 * ms, class: ClassTimeout}

func verdictOn(t *testing.T, r *Result, invariant string) Verdict {
	t.Helper()
	r.judge()
	for _, v := range r.Verdicts {
		if v.Invariant == invariant {
			return v
		}
	}
	t.Fatalf("no verdict on %q in %+v", invariant, r.Verdicts)
	return Verdict{}
}

func TestLateCallIsInconclusiveOnlyDuringAStall(t *testing.T) {
	stall := Stall{From: 1350 * ms, To: 1450 * ms, Max: 90 * ms}
	tests := []struct {
		name   string
		stalls []Stall
		lost   bool
		want   string
	}{
		{name: "no stall", want: StatusFail},
		{name: "stall while it was overdue", stalls: []Stall{stall}, want: StatusInconclusive},
		{name: "stall before its deadline", stalls: []Stall{{From: 200 * ms, To: 400 * ms, Max: 150 * ms}}, want: StatusFail},
		{name: "stall, but a call was lost", stalls: []Stall{stall}, lost: true, want: StatusFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := append(onTime(100), lateCall)
			r := judgedResult(tt.stalls, calls...)
			if tt.lost {
				r.raw[0].all[0].ends = 0
			}
			v := verdictOn(t, r, "calls end once, in time")
			if v.Status != tt.want {
				t.Fatalf("status %s, want %s: %s", v.Status, tt.want, v.Measured)
			}
			if (v.Stall != nil) != (tt.want == StatusInconclusive) || (v.Stall != nil && *v.Stall != stall) {
				t.Fatalf("verdict shows stall %+v, want %+v if inconclusive", v.Stall, stall)
			}
			if !strings.Contains(v.Measured, "1 late") {
				t.Fatalf("measured %q does not count the late call", v.Measured)
			}
		})
	}
}

func TestOnTimeCallsPassDespiteAStall(t *testing.T) {
	r := judgedResult([]Stall{{From: 0, To: time.Second, Max: time.Second}}, onTime(100)...)
	if v := verdictOn(t, r, "calls end once, in time"); v.Status != StatusPass || v.Stall != nil {
		t.Fatalf("%+v, want a pass with no stall", v)
	}
}

func TestSuccessRatioExcusesOnlyTimeoutsDuringStalls(t *testing.T) {
	failed := func(class Class) []callRecord {
		cs := onTime(90)
		for i := range 10 {
			at := time.Second + time.Duration(i)*10*ms
			cs = append(cs, callRecord{start: at, end: at + 300*ms, deadline: at + 300*ms, class: class})
		}
		return cs
	}
	stall := Stall{From: 1100 * ms, To: 1200 * ms, Max: 100 * ms}
	tests := []struct {
		name     string
		stalls   []Stall
		class    Class
		dropped  bool // by a fault
		failfast bool
		want     string
	}{
		{name: "timeouts, no stall", class: ClassTimeout, want: StatusFail},
		{name: "timeouts during a stall", stalls: []Stall{stall}, class: ClassTimeout, want: StatusInconclusive},
		{name: "server errors during a stall", stalls: []Stall{stall}, class: ClassServer, want: StatusFail},
		{name: "dropped, retried, during a stall", stalls: []Stall{stall}, class: ClassTimeout, dropped: true, want: StatusInconclusive},
		{name: "dropped with failfast, during a stall", stalls: []Stall{stall}, class: ClassTimeout, dropped: true, failfast: true, want: StatusFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := judgedResult(tt.stalls, failed(tt.class)...)
			if tt.failfast {
				r.Variants[0].FailMode, r.Scenario.Thresholds.MinSuccess[0].FailMode = "failfast", "failfast"
			}
			if tt.dropped {
				r.raw[0].dropped = map[uint64]scenario.FaultType{}
				for _, c := range r.raw[0].calls[90:] {
					r.raw[0].dropped[c.seq] = scenario.FaultDropReply
				}
			}
			v := verdictOn(t, r, "success ratio")
			if v.Status != tt.want {
				t.Fatalf("status %s, want %s: %s", v.Status, tt.want, v.Measured)
			}
		})
	}
}

// TestShareOfSlowInstanceInconclusiveOnlyDuringAStall: P2C sent half the
// calls of a latency fault's window (1s..2s) to its target; that fails,
// unless a stall overlapped the window, when every latency measured the
// machine and the share proves nothing. Split, the fault has two windows
// (1s..1.4s, 1.6s..2s), and a stall between them excuses nothing.
func TestShareOfSlowInstanceInconclusiveOnlyDuringAStall(t *testing.T) {
	tests := []struct {
		name   string
		stalls []Stall
		toC    int // of the 100 calls in 1s..2s
		split  bool
		want   string
	}{
		{name: "share kept, stall", toC: 10, stalls: []Stall{{From: 1500 * ms, To: 1600 * ms, Max: 200 * ms}}, want: StatusPass},
		{name: "share broken, no stall", toC: 50, want: StatusFail},
		{name: "share broken, stall outside", toC: 50, stalls: []Stall{{From: 2500 * ms, To: 2600 * ms, Max: 200 * ms}}, want: StatusFail},
		{name: "share broken, stall inside", toC: 50, stalls: []Stall{{From: 1500 * ms, To: 1600 * ms, Max: 200 * ms}}, want: StatusInconclusive},
		{name: "split, stall between the windows", toC: 50, split: true, stalls: []Stall{{From: 1450 * ms, To: 1550 * ms, Max: 200 * ms}}, want: StatusFail},
		{name: "split, stall in the second window", toC: 50, split: true, stalls: []Stall{{From: 1700 * ms, To: 1750 * ms, Max: 200 * ms}}, want: StatusInconclusive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := onTime(300)
			for i := range 100 { // the calls started in 1s..2s
				calls[100+i].instance = "b"
				if i < tt.toC {
					calls[100+i].instance = "c"
				}
			}
			r := judgedResult(tt.stalls, calls...)
			r.Variants[0].Mode = "p2c"
			r.Scenario.Thresholds.MaxShare = []scenario.ShareThreshold{{Mode: "p2c", Instance: "c", Max: 0.2}}
			fault := func(from, to time.Duration) FaultRecord {
				return FaultRecord{Type: scenario.FaultLatency, Instances: []string{"c"}, Start: from, End: to, AppliedAt: -1, ClearedAt: -1}
			}
			r.Faults = []FaultRecord{fault(time.Second, 2*time.Second)}
			if tt.split {
				r.Faults = []FaultRecord{fault(time.Second, 1400*ms), fault(1600*ms, 2*time.Second)}
			}
			v := verdictOn(t, r, "share of c during its faults")
			if v.Status != tt.want {
				t.Fatalf("status %s, want %s: %s", v.Status, tt.want, v.Measured)
			}
		})
	}
}

func TestStallWatchMergesLateTicksIntoSpans(t *testing.T) {
	var w stallWatch
	w.tick(0, 10*ms, 0)
	w.tick(10*ms, 80*ms, 60*ms)    // late: a span starts
	w.tick(80*ms, 150*ms, 60*ms)   // the next tick, late too: the same span
	w.tick(150*ms, 165*ms, 5*ms)   // on time
	w.tick(300*ms, 410*ms, 100*ms) // late again, later: a second span
	s := w.stalls()
	want := []Stall{{From: 10 * ms, To: 150 * ms, Max: 60 * ms}, {From: 300 * ms, To: 410 * ms, Max: 100 * ms}}
	if s.Count != 3 || s.Max != 100*ms || s.At != 410*ms || len(s.Spans) != 2 || s.Spans[0] != want[0] || s.Spans[1] != want[1] {
		t.Fatalf("stalls %+v, want 3 late ticks in spans %+v", s, want)
	}
	for _, q := range []struct {
		from, to time.Duration
		want     bool
	}{{0, 9 * ms, false}, {0, 10 * ms, true}, {160 * ms, 299 * ms, false}, {400 * ms, time.Second, true}} {
		if _, got := s.during(q.from, q.to); got != q.want {
			t.Errorf("during(%v, %v) = %v, want %v", q.from, q.to, got, q.want)
		}
	}
}

func TestInconclusiveVerdictInJSON(t *testing.T) {
	r := judgedResult([]Stall{{From: 1350 * ms, To: 1450 * ms, Max: 90 * ms}}, append(onTime(10), lateCall)...)
	r.judge()
	if len(r.Inconclusive()) == 0 || len(r.Failed()) != 0 {
		t.Fatalf("inconclusive %+v, failed %+v", r.Inconclusive(), r.Failed())
	}
	b, err := json.Marshal(r.Inconclusive()[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"status":"inconclusive"`, `"stall":{"from_ns":1350000000,"to_ns":1450000000,"max_ns":90000000}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
}
