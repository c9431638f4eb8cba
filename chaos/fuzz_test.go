package chaos

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"
)

// FuzzDecode feeds the scenario decoder arbitrary input: it must never
// panic, must reject with a *FieldError, and what it accepts must encode
// and decode back to the same scenario.
func FuzzDecode(f *testing.F) {
	files := builtinFiles()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		f.Add(files[name])
	}
	good, _ := json.Marshal(validScenario())
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(bytes.NewReader(data))
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalidScenario) {
				t.Fatalf("rejected without a *FieldError: %v", err)
			}
			return
		}
		once, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decode(bytes.NewReader(once))
		if err != nil {
			t.Fatalf("accepted %q but not its own encoding %s: %v", data, once, err)
		}
		if twice, _ := json.Marshal(back); !bytes.Equal(once, twice) {
			t.Fatalf("round trip changed the scenario:\n%s\n%s", once, twice)
		}
	})
}
