package chaos

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/internal/provenance"
)

// fixedResult is a small result built by hand: two variants, three
// instances, one fault, 4s of timeline.
func fixedResult() *Result {
	s := validScenario()
	s.Load.Duration = scenario.Duration(4 * time.Second)
	s.Faults = s.Faults[:1]
	s.Faults[0].Start, s.Faults[0].End = scenario.Duration(time.Second), scenario.Duration(3*time.Second)
	r := &Result{Schema: SchemaVersion, Scenario: s, Seed: 1,
		Provenance: provenance.Info{GoVersion: "go1.26", OS: "linux", Arch: "amd64", CPU: "test", NumCPU: 2, GOMAXPROCS: 2,
			Commit: "abc -- def", Command: []string{"geerpc", "chaos", "-scenario", "x.json"}},
		Faults: []FaultRecord{{Index: 0, Type: scenario.FaultLatency, Instances: []string{"c"}, Start: time.Second, End: 3 * time.Second,
			AppliedAt: time.Second, ClearedAt: 3 * time.Second}},
		Verdicts: []Verdict{{Invariant: "calls end once, in time", Scope: "round-robin/failfast", Status: StatusPass, Measured: "10 calls", Want: "each once"}},
	}
	for v, name := range []string{"round-robin/failfast", "p2c/failfast"} {
		vr := VariantResult{Name: name, Calls: 160, OK: 158, Success: 158.0 / 160, Windows: []WindowStats{{Fault: 0, Recovery: 0}}}
		for i := range 16 {
			slow := i >= 4 && i < 12
			p := Point{Start: time.Duration(i) * 250 * time.Millisecond, End: time.Duration(i+1) * 250 * time.Millisecond,
				Calls: 10, OK: 10, Throughput: 40, P99: 2 * time.Millisecond, Shares: map[string]float64{"a": 1.0 / 3, "b": 1.0 / 3, "c": 1.0 / 3}}
			if slow {
				p.P99 = time.Duration(50+v) * time.Millisecond
				if v == 1 {
					p.Shares = map[string]float64{"a": 0.5, "b": 0.5}
				}
			}
			if i == 5 {
				p.OK, p.Errors, p.ErrorRate, p.Throughput = 8, 2, 0.2, 32
			}
			vr.Timeline = append(vr.Timeline, p)
		}
		r.Variants = append(r.Variants, vr)
	}
	return r
}

func TestPlotsDecodeAsImagesWithProvenance(t *testing.T) {
	r := fixedResult()
	plots := map[string]func(*bytes.Buffer, Format) error{
		"timeline": func(b *bytes.Buffer, f Format) error { return PlotTimeline(b, r, f) },
		"shares":   func(b *bytes.Buffer, f Format) error { return PlotShares(b, r, f) },
	}
	for name, plot := range plots {
		t.Run(name+"/png", func(t *testing.T) {
			var b bytes.Buffer
			if err := plot(&b, PNG); err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b.Bytes()))
			if err != nil || img.Bounds().Dx() < 500 || img.Bounds().Dy() < 200 {
				t.Fatalf("PNG does not decode as a sizeable image: %v", err)
			}
			if !bytes.Contains(b.Bytes(), []byte("tEXtComment\x00go: go1.26")) {
				t.Fatal("PNG carries no provenance tEXt chunk")
			}
		})
		t.Run(name+"/svg", func(t *testing.T) {
			var b bytes.Buffer
			if err := plot(&b, SVG); err != nil {
				t.Fatal(err)
			}
			checkSVG(t, b.Bytes())
		})
	}
}

// checkSVG checks that data is well-formed XML with an <svg> root and the
// provenance in a comment before it.
func checkSVG(t *testing.T, data []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	var root string
	var comment bool
	for {
		tok, err := dec.Token()
		if err != nil {
			if root == "" {
				t.Fatalf("SVG is not well-formed XML: %v", err)
			}
			break
		}
		switch tok := tok.(type) {
		case xml.Comment:
			comment = comment || bytes.Contains(tok, []byte("go: go1.26"))
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
		}
	}
	if root != "svg" || !comment {
		t.Fatalf("SVG root <%s>, provenance comment %v; want <svg> after the provenance", root, comment)
	}
}

func TestWriteReportsStartWithProvenance(t *testing.T) {
	dir := t.TempDir()
	paths, err := WriteReports(dir, fixedResult())
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 9 {
		t.Fatalf("wrote %v, want 9 files", paths)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		switch filepath.Ext(p) {
		case ".txt":
			if !strings.HasPrefix(string(data), "# go: go1.26") || !strings.Contains(string(data), "PASS") {
				t.Fatalf("%s does not start with provenance and hold the verdicts:\n%s", p, data)
			}
		case ".json":
			var head struct {
				Schema     string          `json:"schema"`
				Provenance provenance.Info `json:"provenance"`
			}
			if err := json.Unmarshal(data, &head); err != nil || head.Schema != SchemaVersion || head.Provenance.GoVersion != "go1.26" {
				t.Fatalf("%s: %v, schema %q", p, err, head.Schema)
			}
			if i, j := bytes.Index(data, []byte(`"provenance"`)), bytes.Index(data, []byte(`"scenario"`)); i < 0 || i > j {
				t.Fatalf("%s: provenance does not come first", p)
			}
		case ".csv":
			if !strings.HasPrefix(string(data), "# go: go1.26") || !strings.Contains(string(data), "\np2c/failfast,") {
				t.Fatalf("%s does not start with provenance and hold the timeline:\n%s", p, data)
			}
		case ".html":
			if !strings.Contains(string(data), `content="go1.26 linux/amd64"`) || !strings.Contains(string(data), "<table") {
				t.Fatalf("%s does not start with provenance and hold the tables:\n%s", p, data)
			}
		case ".svg":
			checkSVG(t, data)
		case ".png":
			if _, err := png.Decode(bytes.NewReader(data)); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
		}
	}
}
