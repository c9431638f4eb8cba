package scenario

import (
	"bytes"
	"io/fs"
	"slices"

	"github.com/geerpclab/geerpc/chaos/scenarios"
)

// Builtin returns the built-in scenarios of chaos/scenarios, by file name
// without ".json", sorted; each is validated.
func Builtin() ([]*Scenario, error) {
	names, err := fs.Glob(scenarios.FS, "*.json")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	out := make([]*Scenario, 0, len(names))
	for _, name := range names {
		data, err := scenarios.FS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		s, err := Decode(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
