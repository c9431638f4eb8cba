package chaos

import (
	"testing"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
)

// comebackResult is a run of one variant of mode over three instances with
// c killed from 2s to 5s, a call ending every 10ms until end, answered by
// the instance pick names (none: the call failed).
func comebackResult(mode string, end time.Duration, pick func(at time.Duration, k int) string) *Result {
	var calls []callRecord
	k := 0
	for at := 10 * time.Millisecond; at < end; at += 10 * time.Millisecond {
		c := callRecord{start: at - time.Millisecond, end: at, instance: pick(at, k), class: ClassOK}
		if c.instance == "" {
			c.class = ClassTransport
		}
		calls = append(calls, c)
		k++
	}
	return &Result{
		Scenario: &scenario.Scenario{
			Instances: []scenario.InstanceSpec{{Name: "a"}, {Name: "b"}, {Name: "c"}},
			Load:      scenario.LoadSpec{Duration: scenario.Duration(end)},
		},
		Faults: []FaultRecord{{Type: scenario.FaultKill, Instances: []string{"c"}, Start: 2 * time.Second, End: 5 * time.Second,
			AppliedAt: 2 * time.Second, ClearedAt: 5 * time.Second}},
		Variants: []VariantResult{{Name: mode + "/failover", Mode: mode}},
		raw:      []variantData{{calls: calls}},
	}
}

// roundOf returns a pick that sends c nothing before back and one call in
// every of its other calls afterwards, a and b sharing the rest.
func roundOf(back time.Duration, every int) func(time.Duration, int) string {
	return func(at time.Duration, k int) string {
		if at >= back && k%every == 0 {
			return "c"
		}
		return []string{"a", "b"}[k%2]
	}
}

func TestRestartedLetBackIn(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode string
		end  time.Duration
		pick func(time.Duration, int) string
		want string
	}{
		{name: "fair third at once", mode: "p2c", end: 12 * time.Second, pick: roundOf(5*time.Second, 3), want: StatusPass},
		{name: "held out 28s", mode: "p2c", end: 40 * time.Second, pick: roundOf(33*time.Second, 3), want: StatusFail},
		{name: "back but starved", mode: "p2c", end: 12 * time.Second, pick: roundOf(5200*time.Millisecond, 25), want: StatusFail},
		{name: "one peer starved too", mode: "p2c", end: 12 * time.Second, want: StatusPass,
			pick: func(at time.Duration, k int) string {
				if at >= 5*time.Second && k%10 == 0 {
					return "c"
				}
				return "a"
			}},
		{name: "starved until the load ends early", mode: "p2c", end: 7 * time.Second, pick: roundOf(5200*time.Millisecond, 25), want: StatusInfo},
		{name: "run ends first", mode: "p2c", end: 6 * time.Second, pick: roundOf(time.Hour, 3), want: StatusInfo},
		{name: "too few answers after", mode: "p2c", end: 6200 * time.Millisecond, pick: roundOf(5*time.Second, 3), want: StatusInfo},
		{name: "other modes reported", mode: "round-robin", end: 40 * time.Second, pick: roundOf(33*time.Second, 3), want: StatusInfo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs := comebackResult(tc.mode, tc.end, tc.pick).restartedLetBackIn()
			if len(vs) != 1 || vs[0].Status != tc.want {
				t.Fatalf("verdicts %+v, want one %s", vs, tc.want)
			}
			t.Log(vs[0].Measured)
		})
	}
}

func TestRestartedLetBackInIgnoresOtherFaults(t *testing.T) {
	r := comebackResult("p2c", 12*time.Second, roundOf(time.Hour, 3))
	r.Faults[0].Type = scenario.FaultLatency
	if vs := r.restartedLetBackIn(); len(vs) != 0 {
		t.Fatalf("verdicts %+v for a latency fault, want none", vs)
	}
}

func TestRestartedLetBackInDuringAStallIsInconclusive(t *testing.T) {
	r := comebackResult("p2c", 40*time.Second, roundOf(33*time.Second, 3))
	r.Stalls.Spans = []Stall{{From: 6 * time.Second, To: 6300 * time.Millisecond, Max: 300 * time.Millisecond}}
	vs := r.restartedLetBackIn()
	if len(vs) != 1 || vs[0].Status != StatusInconclusive || vs[0].Stall == nil {
		t.Fatalf("verdicts %+v, want one inconclusive naming the stall", vs)
	}
}
