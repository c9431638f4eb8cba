package bench

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/internal/provenance"
)

// fixtureReport is a small fixed result set with every kind of cell.
func fixtureReport() *Report {
	p, _ := PlanFor(SizeQuick)
	r := &Report{Schema: SchemaVersion, Plan: p, Cluster: "in-process", Elapsed: 42 * time.Second,
		Provenance: provenance.Info{GoVersion: "go1.26", CPU: "test CPU", NumCPU: 2, GOMAXPROCS: 2,
			Commit: "abc123", Date: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Command: []string{"geerpc", "bench"}}}
	for i, peer := range []string{peerGee, peerGeeDeadline, peerNetRPC, peerGRPC, peerCeiling, peerFloor} {
		for _, n := range p.PeerCallers {
			if peer == peerFloor && n > 1 {
				continue
			}
			tp := float64(n+1) * 1000 / float64(i+1)
			r.Peers = append(r.Peers, PeerCell{Peer: peer, Callers: n, Rounds: 2, Throughput: Stat{tp, tp * 0.9, tp * 1.1},
				P50: Stat{0.05, 0.04, 0.06}, P99: Stat{0.1 * float64(i+1), 0.09, 0.5}, AllocsPerCall: float64(10 + i)})
		}
	}
	for mi, mode := range p.Modes {
		r.Cells = append(r.Cells, fixtureCells(p, mode, float64(mi))...)
	}
	r.Targets, r.Best = judge(r), bestModes(r)
	return r
}

// fixtureCells makes one mode's cells of every experiment.
func fixtureCells(p Plan, mode string, k float64) []Cell {
	var cs []Cell
	add := func(c Cell) {
		c.Mode, c.Rounds, c.Calls = mode, 1, 1000
		c.Throughput = Stat{1000 * (1 + k), 900 * (1 + k), 1100 * (1 + k)}
		if c.P99.Median == 0 {
			c.P99 = Stat{1 + k, 0.9 + k, 1.2 + k}
		}
		c.Shares = []Share{{"i1", 500, 0.5}, {"i2", 300, 0.3}, {"i3", 200, 0.2}}
		for _, q := range spectrumPercentiles() {
			c.Spectrum = append(c.Spectrum, Quantile{q, 1 + q/10 + k})
		}
		cs = append(cs, c)
	}
	for _, n := range p.InFlight {
		add(Cell{Experiment: ExpConcurrency, Workload: "healthy", InFlight: n})
	}
	for _, f := range p.OpenLoad {
		add(Cell{Experiment: ExpOpen, Workload: "healthy", Load: f, Rate: 10000 * f})
	}
	for _, d := range p.SlowBy {
		tr := 0.0
		if d > p.Timeouts.Slow && mode != "p2c" {
			tr = 0.33
		}
		add(Cell{Experiment: ExpSlow, Workload: fmt.Sprintf("slow-%dms", d.Milliseconds()), InFlight: p.FixedFlight,
			SlowBy: d, Timeout: p.Timeouts.Slow, TimeoutRate: Stat{tr, tr, tr}, ErrorRate: Stat{tr, tr, tr}})
	}
	add(Cell{Experiment: ExpUnequal, Workload: "unequal-1:2:4", InFlight: p.FixedFlight})
	return cs
}

func TestReportRendersEveryPlotAndLinksOnlyFilesThatDecode(t *testing.T) {
	dir := t.TempDir()
	r := fixtureReport()
	if err := WriteReport(dir, r); err != nil {
		t.Fatal(err)
	}
	index, err := os.ReadFile(filepath.Join(dir, FileIndex))
	if err != nil {
		t.Fatal(err)
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"#:]+)"`).FindAllStringSubmatch(string(index), -1)
	images := map[string]bool{}
	for _, m := range refs {
		path := filepath.Join(dir, filepath.FromSlash(m[1]))
		if _, err := os.Stat(path); err != nil {
			t.Errorf("index.html links %s: %v", m[1], err)
			continue
		}
		if ext := filepath.Ext(path); ext == ".png" || ext == ".svg" {
			images[m[1]] = true
			checkImage(t, path)
		}
	}
	if want := 2 * len(figureFuncs); len(images) != want {
		t.Errorf("index.html shows %d image files, want %d (every figure as PNG and SVG)", len(images), want)
	}
	for _, want := range []string{"MISSED", "met", "Closing note", "share the machine", "abc123", "test CPU", "geerpc bench"} {
		if !bytes.Contains(index, []byte(want)) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if bytes.Contains(index, []byte("<script")) || bytes.Contains(index, []byte("http://")) || bytes.Contains(index, []byte("https://")) {
		t.Error("index.html needs a script or the network")
	}
}

// checkImage decodes a PNG, or parses an SVG as XML with an <svg> root.
func checkImage(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if strings.HasSuffix(path, ".png") {
		img, err := png.Decode(f)
		if err != nil {
			t.Errorf("%s: %v", path, err)
		} else if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 400 {
			t.Errorf("%s: %v, want at least 800x400", path, b)
		}
		return
	}
	if root, err := xmlRoot(f); err != nil || root != "svg" {
		t.Errorf("%s: root %q, %v", path, root, err)
	}
}

// xmlRoot parses the whole document and returns its root element's name.
func xmlRoot(r io.Reader) (string, error) {
	dec := xml.NewDecoder(r)
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return root, nil
		}
		if err != nil {
			return root, err
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
}
