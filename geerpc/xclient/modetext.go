package xclient

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownFailMode is returned, wrapped, for a fail mode name this package
// does not know.
var ErrUnknownFailMode = errors.New("geerpc: unknown fail mode")

// selectAliases are the shorter names of the balancing modes that geerpc's
// commands have always accepted besides String's.
var selectAliases = map[string]SelectMode{
	"roundrobin": RoundRobinSelect, "weighted": WeightedRoundRobinSelect,
	"consistenthash": ConsistentHashSelect, "hash": ConsistentHashSelect,
}

// SelectModes returns the built-in balancing modes in the order of their
// values.
func SelectModes() []SelectMode {
	return []SelectMode{RandomSelect, RoundRobinSelect, WeightedRoundRobinSelect, ConsistentHashSelect, P2CSelect}
}

// ParseSelectMode returns the mode named by name: String's name or one of
// the aliases roundrobin, weighted, consistenthash and hash, in any case.
// Other names give an error wrapping ErrUnknownMode.
func ParseSelectMode(name string) (SelectMode, error) {
	var m SelectMode
	err := m.UnmarshalText([]byte(name))
	return m, err
}

// MarshalText implements encoding.TextMarshaler with String's name; a mode
// that is not built in is an error wrapping ErrUnknownMode.
func (m SelectMode) MarshalText() ([]byte, error) {
	if m < 0 || int(m) >= len(modeNames) {
		return nil, fmt.Errorf("%w %d", ErrUnknownMode, int(m))
	}
	return []byte(modeNames[m]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler: it reads String's name
// or an alias, in any case.
func (m *SelectMode) UnmarshalText(text []byte) error {
	name := strings.ToLower(string(text))
	for i, n := range modeNames {
		if n == name {
			*m = SelectMode(i)
			return nil
		}
	}
	if a, ok := selectAliases[name]; ok {
		*m = a
		return nil
	}
	return fmt.Errorf("%w %q (want random, round-robin, weighted-round-robin, consistent-hash or p2c)", ErrUnknownMode, text)
}

// FailModes returns the fail modes in the order of their values.
func FailModes() []FailMode { return []FailMode{Failfast, Failover, Failtry} }

// ParseFailMode returns the fail mode named by name, in any case. Other
// names give an error wrapping ErrUnknownFailMode.
func ParseFailMode(name string) (FailMode, error) {
	var m FailMode
	err := m.UnmarshalText([]byte(name))
	return m, err
}

// MarshalText implements encoding.TextMarshaler with String's name.
func (m FailMode) MarshalText() ([]byte, error) {
	if m < 0 || int(m) >= len(failModeNames) {
		return nil, fmt.Errorf("%w %d", ErrUnknownFailMode, int(m))
	}
	return []byte(failModeNames[m]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler: it reads String's name
// in any case.
func (m *FailMode) UnmarshalText(text []byte) error {
	name := strings.ToLower(string(text))
	for i, n := range failModeNames {
		if n == name {
			*m = FailMode(i)
			return nil
		}
	}
	return fmt.Errorf("%w %q (want failfast, failover or failtry)", ErrUnknownFailMode, text)
}
