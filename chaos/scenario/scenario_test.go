package scenario_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/chaos/internal/scenariotest"
	"github.com/geerpclab/geerpc/chaos/scenario"
)

func TestBuiltinScenariosAreValid(t *testing.T) {
	ss, err := scenario.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"blackhole", "dead-heartbeat", "lease-loss", "registry-down", "reply-drops", "restart", "slow-instance", "zombie"}
	var got []string
	var total time.Duration
	for _, s := range ss {
		got = append(got, s.Name)
		total += s.Load.Duration.D()
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("built-in scenarios %v, want %v", got, want)
	}
	// make chaos runs them one after another, every variant at once: their
	// load must leave room in its 5 minutes for set-up and settling.
	if total > 2*time.Minute {
		t.Fatalf("built-in scenarios load for %v in all, more than 2m", total)
	}
}

func TestDecodeRejectsBadScenariosNamingTheField(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(s *scenario.Scenario)
		field  string
		reason string
	}{
		{"unknown fault", func(s *scenario.Scenario) { s.Faults[0].Type = "meteor" }, "faults[0].type", `unknown fault "meteor"`},
		{"window after the run", func(s *scenario.Scenario) { s.Faults[2].End = scenario.Duration(40 * time.Second) }, "faults[2].window", "ends at 40s, after the run's 30s"},
		{"window before the run", func(s *scenario.Scenario) { s.Faults[0].Start = scenario.Duration(-time.Second) }, "faults[0].window", "before the run"},
		{"window ends before it starts", func(s *scenario.Scenario) { s.Faults[1].End = scenario.Duration(time.Second / 2) }, "faults[1].window", "not after its start"},
		{"fraction above 1", func(s *scenario.Scenario) { s.Faults[1].Fraction = 1.5 }, "faults[1].fraction", "1.5 is outside (0, 1]"},
		{"fraction below 0", func(s *scenario.Scenario) { s.Faults[1].Fraction = -0.1 }, "faults[1].fraction", "outside (0, 1]"},
		{"fraction missing", func(s *scenario.Scenario) { s.Faults[1].Fraction = 0 }, "faults[1].fraction", "outside (0, 1]"},
		{"fraction on a link fault", func(s *scenario.Scenario) { s.Faults[0].Fraction = 0.5 }, "faults[0].fraction", `not a parameter of a "latency" fault`},
		{"missing instance", func(s *scenario.Scenario) { s.Faults[0].Instances = []string{"zz"} }, "faults[0].instances[0]", `no instance "zz"`},
		{"no instance at all", func(s *scenario.Scenario) { s.Faults[0].Instances = nil }, "faults[0].instances", "needs at least one instance"},
		{"registry fault with instances", func(s *scenario.Scenario) { s.Faults[2].Type = scenario.FaultRegistryDown }, "faults[2].instances", "takes no instances"},
		{"threshold on a missing instance", func(s *scenario.Scenario) { s.Thresholds.MaxShare[0].Instance = "zz" }, "thresholds.max_share[0].instance", `no instance "zz"`},
		{"threshold on a mode not run", func(s *scenario.Scenario) { s.Thresholds.MaxShare[0].Mode = "random" }, "thresholds.max_share[0].mode", "not one of the scenario's modes"},
		{"unknown mode", func(s *scenario.Scenario) { s.Modes[1] = "p3c" }, "modes[1]", `unknown balancing mode "p3c"`},
		{"mode twice by its alias", func(s *scenario.Scenario) { s.Modes[1] = "roundrobin" }, "modes[1]", `"roundrobin" is listed twice`},
		{"unknown fail mode", func(s *scenario.Scenario) { s.FailModes[0] = "failslow" }, "fail_modes[0]", `unknown fail mode "failslow"`},
		{"duplicate instance", func(s *scenario.Scenario) { s.Instances[1].Name = "a" }, "instances[1].name", `"a" is used twice`},
		{"bad instance name", func(s *scenario.Scenario) { s.Instances[0].Name = "A B" }, "instances[0].name", "lower-case"},
		{"both rate and concurrency", func(s *scenario.Scenario) { s.Load.Concurrency = 4 }, "load", "either rate"},
		{"no timeout", func(s *scenario.Scenario) { s.Load.Timeout = 0 }, "load.timeout", "outside"},
		{"heartbeat above ttl", func(s *scenario.Scenario) { s.Registry.Heartbeat = scenario.Duration(2 * time.Second) }, "registry.heartbeat", "not below the ttl"},
		{"overlapping deaths", func(s *scenario.Scenario) {
			s.Faults = append(s.Faults, scenario.FaultSpec{Type: scenario.FaultZombie, Instances: []string{"a"}, Start: scenario.Duration(2 * time.Second), End: scenario.Duration(3 * time.Second)})
		}, "faults[3].window", "overlaps faults[2] (dead_heartbeat)"},
		{"eject check without blackhole", func(s *scenario.Scenario) { s.Thresholds.EjectWithinFailures = true }, "thresholds.eject_within_failures", "blackhole"},
		{"bad name", func(s *scenario.Scenario) { s.Name = "../x" }, "name", "lower-case"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scenariotest.Valid()
			tt.break_(s)
			data, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			_, err = scenario.Decode(strings.NewReader(string(data)))
			assertFieldError(t, err, tt.field, tt.reason)
		})
	}
}

func TestDecodeRejectsMalformedJSONNamingTheField(t *testing.T) {
	good, _ := json.Marshal(scenariotest.Valid())
	tests := []struct {
		name, json, field, reason string
	}{
		{"unknown top-level field", `{"name":"x","colour":1}`, "colour", "unknown field"},
		{"unknown fault field", replace(good, `"type":"latency",`, `"type":"latency","latncy":"1ms",`), "faults[0].latncy", "unknown field"},
		{"unknown load field", replace(good, `"load":{`, `"load":{"rps":5,`), "load.rps", "unknown field"},
		{"bad duration", replace(good, `"duration":"30s"`, `"duration":"30 seconds"`), "load.duration", "want a duration string"},
		{"number for a duration", replace(good, `"duration":"30s"`, `"duration":30`), "load.duration", "want a duration string"},
		{"string for a number", replace(good, `"rate":100`, `"rate":"fast"`), "load.rate", "want float64"},
		{"trailing data", string(good) + `{}`, "(top level)", "data after the JSON value"},
		{"truncated", string(good[:len(good)/2]), "(top level)", ""},
		{"empty", ``, "(top level)", "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scenario.Decode(strings.NewReader(tt.json))
			assertFieldError(t, err, tt.field, tt.reason)
		})
	}
}

func TestFieldErrorReadsAsTheIssueSays(t *testing.T) {
	s := scenariotest.Valid()
	s.Name = "x"
	s.Faults[2].End = scenario.Duration(40 * time.Second)
	err := s.Validate()
	want := `geerpc: scenario "x": faults[2].window: ends at 40s, after the run's 30s`
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
}

func TestDecodeKeepsEveryField(t *testing.T) {
	s := scenariotest.Valid()
	data, _ := json.Marshal(s)
	got, err := scenario.Decode(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(got)
	if string(again) != string(data) {
		t.Fatalf("round trip changed the scenario:\n%s\n%s", data, again)
	}
}

func assertFieldError(t *testing.T, err error, field, reason string) {
	t.Helper()
	var fe *scenario.FieldError
	if !errors.Is(err, scenario.ErrInvalidScenario) || !errors.As(err, &fe) {
		t.Fatalf("error %v, want a *FieldError wrapping ErrInvalidScenario", err)
	}
	if fe.Field != field || !strings.Contains(fe.Reason, reason) {
		t.Fatalf("error %q names %q (%s), want %q (%s)", err, fe.Field, fe.Reason, field, reason)
	}
}

func replace(data []byte, old, new string) string {
	s := string(data)
	if !strings.Contains(s, old) {
		panic("test data lacks " + old)
	}
	return strings.Replace(s, old, new, 1)
}
