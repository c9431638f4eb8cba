package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxScenarioBytes bounds a scenario file.
const maxScenarioBytes = 1 << 20

// scenarioJSON is the top level of a scenario file, with the nested objects
// kept raw so that each is decoded on its own and its errors name it.
type scenarioJSON struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Seed        uint64            `json:"seed"`
	Instances   []json.RawMessage `json:"instances"`
	Modes       []string          `json:"modes"`
	FailModes   []string          `json:"fail_modes"`
	Client      json.RawMessage   `json:"client"`
	Registry    json.RawMessage   `json:"registry"`
	Load        json.RawMessage   `json:"load"`
	Faults      []json.RawMessage `json:"faults"`
	Thresholds  json.RawMessage   `json:"thresholds"`
}

// Load reads and validates the scenario in the file at path.
func Load(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("geerpc: scenario: %w", err)
	}
	defer f.Close()
	return Decode(f)
}

// Decode reads one scenario from r, strictly: unknown fields, wrong types,
// trailing data and every rule of Validate are errors. The error is a
// *FieldError (wrapping ErrInvalidScenario) that names the field.
func Decode(r io.Reader) (*Scenario, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxScenarioBytes+1))
	if err != nil {
		return nil, fmt.Errorf("geerpc: scenario: read: %w", err)
	}
	if len(data) > maxScenarioBytes {
		return nil, &FieldError{Field: "(file)", Reason: fmt.Sprintf("larger than %d bytes", maxScenarioBytes)}
	}
	var top scenarioJSON
	if err := strict(data, &top, ""); err != nil {
		return nil, err
	}
	s, err := top.scenario()
	if err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// scenario decodes the nested parts of top.
func (top *scenarioJSON) scenario() (*Scenario, error) {
	s := &Scenario{Name: top.Name, Description: top.Description, Seed: top.Seed,
		Modes: top.Modes, FailModes: top.FailModes}
	parts := []struct {
		raw   json.RawMessage
		v     any
		field string
	}{
		{top.Client, &s.Client, "client"},
		{top.Registry, &s.Registry, "registry"},
		{top.Load, &s.Load, "load"},
		{top.Thresholds, &s.Thresholds, "thresholds"},
	}
	for _, p := range parts {
		if err := strictOptional(p.raw, p.v, p.field); err != nil {
			return nil, named(err, s.Name)
		}
	}
	var err error
	if s.Instances, err = strictEach[InstanceSpec](top.Instances, "instances"); err != nil {
		return nil, named(err, s.Name)
	}
	if s.Faults, err = strictEach[FaultSpec](top.Faults, "faults"); err != nil {
		return nil, named(err, s.Name)
	}
	return s, nil
}

// strictEach decodes each element of an array on its own, naming it
// field[i] in errors.
func strictEach[T any](raws []json.RawMessage, field string) ([]T, error) {
	out := make([]T, len(raws))
	for i, raw := range raws {
		if err := strict(raw, &out[i], fmt.Sprintf("%s[%d]", field, i)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// strictOptional is strict, except that an absent or null object is left zero.
func strictOptional(raw json.RawMessage, v any, field string) error {
	if len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil
	}
	return strict(raw, v, field)
}

// strict decodes one JSON value from data into v, rejecting unknown fields
// and trailing data, and names field in the error.
func strict(data []byte, v any, field string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, field)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &FieldError{Field: orTop(field), Reason: "data after the JSON value"}
	}
	return nil
}

// decodeError turns an encoding/json error into a *FieldError naming the
// field under prefix.
func decodeError(err error, prefix string) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		want := te.Type.String()
		if te.Type.Name() == "Duration" {
			want = `a duration string such as "250ms"`
		}
		return &FieldError{Field: join(prefix, te.Field), Reason: fmt.Sprintf("got %s, want %s", te.Value, want)}
	case errors.As(err, &se):
		return &FieldError{Field: orTop(prefix), Reason: fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &FieldError{Field: orTop(prefix), Reason: "empty or truncated JSON"}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return &FieldError{Field: join(prefix, strings.Trim(name, `"`)), Reason: "unknown field"}
	}
	return &FieldError{Field: orTop(prefix), Reason: err.Error()}
}

// named sets the scenario name of a *FieldError.
func named(err error, name string) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		fe.Scenario = name
	}
	return err
}

func join(prefix, field string) string {
	switch {
	case prefix == "":
		return orTop(field)
	case field == "":
		return prefix
	}
	return prefix + "." + field
}

func orTop(field string) string {
	if field == "" {
		return "(top level)"
	}
	return field
}
