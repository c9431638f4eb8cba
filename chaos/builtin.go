package chaos

import (
	"bytes"
	"embed"
	"io/fs"
	"path"
	"slices"
)

//go:embed scenarios/*.json
var builtinFS embed.FS

// Builtin returns the built-in scenarios of chaos/scenarios, by file name
// without ".json", sorted; each is validated.
func Builtin() ([]*Scenario, error) {
	names, err := fs.Glob(builtinFS, "scenarios/*.json")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	out := make([]*Scenario, 0, len(names))
	for _, name := range names {
		data, err := builtinFS.ReadFile(name)
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

// builtinFiles returns the raw built-in scenario files, by base name.
func builtinFiles() map[string][]byte {
	names, _ := fs.Glob(builtinFS, "scenarios/*.json")
	out := make(map[string][]byte, len(names))
	for _, name := range names {
		data, _ := builtinFS.ReadFile(name)
		out[path.Base(name)] = data
	}
	return out
}
