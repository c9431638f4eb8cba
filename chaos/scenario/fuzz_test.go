package scenario_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"testing"

	"github.com/geerpclab/geerpc/chaos/internal/scenariotest"
	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/chaos/scenarios"
)

// FuzzDecode feeds the scenario decoder arbitrary input: it must never
// panic, must reject with a *FieldError, and what it accepts must encode and
// decode back to the same scenario. The built-in files seed it.
func FuzzDecode(f *testing.F) {
	names, err := fs.Glob(scenarios.FS, "*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range names {
		data, err := scenarios.FS.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	good, _ := json.Marshal(scenariotest.Valid())
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := scenario.Decode(bytes.NewReader(data))
		if err != nil {
			var fe *scenario.FieldError
			if !errors.As(err, &fe) || !errors.Is(err, scenario.ErrInvalidScenario) {
				t.Fatalf("rejected without a *scenario.FieldError: %v", err)
			}
			return
		}
		once, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := scenario.Decode(bytes.NewReader(once))
		if err != nil {
			t.Fatalf("accepted %q but not its own encoding %s: %v", data, once, err)
		}
		if twice, _ := json.Marshal(back); !bytes.Equal(once, twice) {
			t.Fatalf("round trip changed the scenario:\n%s\n%s", once, twice)
		}
	})
}
