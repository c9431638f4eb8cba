package scenario

import "github.com/geerpclab/geerpc/geerpc/xclient"

// modes and failModes are the names a scenario may use.
var (
	modes     = xclient.SelectModes()
	failModes = xclient.FailModes()
)

// CanonicalMode returns the xclient name of a balancing mode name or alias
// (roundrobin gives round-robin); a name it does not know is returned as is.
func CanonicalMode(name string) string {
	if m, err := xclient.ParseSelectMode(name); err == nil {
		return m.String()
	}
	return name
}

// FailModeNames returns the fail modes compared: FailModes, or failfast
// alone when it is empty.
func (s *Scenario) FailModeNames() []string {
	if len(s.FailModes) == 0 {
		return []string{"failfast"}
	}
	return s.FailModes
}

// ModeNames returns the balancing modes compared by their xclient names:
// Modes canonicalised, or all five when it is empty.
func (s *Scenario) ModeNames() []string {
	if len(s.Modes) == 0 {
		names := make([]string, len(modes))
		for i, m := range modes {
			names[i] = m.String()
		}
		return names
	}
	names := make([]string, len(s.Modes))
	for i, m := range s.Modes {
		names[i] = CanonicalMode(m)
	}
	return names
}
