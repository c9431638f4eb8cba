package loadgen

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// sampleMetrics runs a short open loop over two instances with some errors.
func sampleMetrics(t *testing.T) *Metrics {
	t.Helper()
	return mustRun(t, context.Background(), &fakeInvoker{instances: []string{"a", "b"}, swap: true}, Options{
		Targets: []Target{EchoTarget(8), AddTarget()}, Pacer: ConstantPacer{PerSecond: 2000},
		Duration: time.Second, Interval: 100 * time.Millisecond,
	})
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, sampleMetrics(t)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"# go: go", "# cpu: ", "GOMAXPROCS: ", "# commit: ", "# date: ", "# command: ",
		"rate ", "success ", "p50 ", "p90 ", "p99 ", "p99.9 ", "max ",
		"open loop, constant 2000/s", "duration reached", "invalid ", "Echo.Echo", "Arith.Add",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if !strings.HasPrefix(out, "# go: ") {
		t.Errorf("text does not start with provenance:\n%s", out)
	}
}

func TestWriteCSV(t *testing.T) {
	m := sampleMetrics(t)
	var b bytes.Buffer
	if err := WriteCSV(&b, m); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "# go: ") {
		t.Fatalf("CSV does not start with provenance:\n%s", b.String())
	}
	r := csv.NewReader(&b)
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], CSVHeader) || len(rows) != len(m.Timeline)+1 || len(m.Timeline) < 2 {
		t.Fatalf("%d rows for %d intervals, header %v", len(rows), len(m.Timeline), rows[0])
	}
}

func TestWriteJSON(t *testing.T) {
	m := sampleMetrics(t)
	var b bytes.Buffer
	if err := WriteJSON(&b, m); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Schema     string `json:"schema"`
		Provenance struct {
			GoVersion string   `json:"go_version"`
			Command   []string `json:"command"`
		} `json:"provenance"`
		Stop     string `json:"stop"`
		Calls    int64  `json:"calls"`
		Outcomes []struct {
			Outcome string `json:"outcome"`
		} `json:"outcomes"`
		Instances []struct {
			Outcomes map[string]int64 `json:"outcomes"`
		} `json:"instances"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Schema != SchemaVersion || got.Provenance.GoVersion == "" || len(got.Provenance.Command) == 0 ||
		got.Stop != "duration" || got.Calls != m.Calls || got.Outcomes[5].Outcome != "invalid" ||
		got.Instances[0].Outcomes["invalid"]+got.Instances[1].Outcomes["invalid"] != m.Outcomes[OutcomeInvalid].Calls {
		t.Fatalf("decoded %+v from\n%s", got, b.String())
	}
	if !strings.HasPrefix(b.String(), "{\n  \"schema\": \"geerpc.loadgen/v1\",\n  \"provenance\": {") {
		t.Fatalf("JSON does not open with schema and provenance:\n%.200s", b.String())
	}
}

// TestSchemaDocumented fails when the JSON report carries a field SCHEMA.md
// does not list, so the documented schema cannot fall behind the code.
func TestSchemaDocumented(t *testing.T) {
	doc, err := os.ReadFile("SCHEMA.md")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleMetrics(t)); err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	documented := regexp.MustCompile("`([a-z0-9_]+)`").FindAllStringSubmatch(string(doc), -1)
	names := map[string]bool{}
	for _, d := range documented {
		names[d[1]] = true
	}
	for _, key := range jsonKeys(v) {
		if !names[key] {
			t.Errorf("JSON field %q is not documented in SCHEMA.md", key)
		}
	}
}

// jsonKeys returns every object key in v, recursively.
func jsonKeys(v any) []string {
	var keys []string
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			keys = append(keys, k)
			keys = append(keys, jsonKeys(e)...)
		}
	case []any:
		for _, e := range x {
			keys = append(keys, jsonKeys(e)...)
		}
	}
	return keys
}

func TestFmtDur(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{10123456 * time.Nanosecond, "10.12ms"},
		{999 * time.Nanosecond, "999ns"},
		{1234567890 * time.Nanosecond, "1.235s"},
		{0, "0s"},
	} {
		if got := fmtDur(c.d); got != c.want {
			t.Errorf("fmtDur(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestCSVMarksTheShortLastIntervalPartial(t *testing.T) {
	m := &Metrics{Timeline: []Interval{
		{Start: 0, End: time.Second, Calls: 1000, OK: 1000, Throughput: 1000},
		{Start: time.Second, End: 2 * time.Second, Calls: 1000, OK: 1000, Throughput: 1000},
		{Start: 2 * time.Second, End: 2*time.Second + time.Millisecond, Calls: 84, OK: 84, Throughput: 84000},
	}}
	var b bytes.Buffer
	if err := WriteCSV(&b, m); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(&b)
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(CSVHeader, "partial")
	for i, want := range []string{"false", "false", "true"} {
		if got := rows[i+1][col]; got != want {
			t.Errorf("interval %d: partial %s, want %s", i, got, want)
		}
	}
}
