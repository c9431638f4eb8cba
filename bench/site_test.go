package bench

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/geerpclab/geerpc/chaos"
	"github.com/geerpclab/geerpc/soak"
)

// renderSite renders the recorded run of testdata/site into dir as make
// chaos, make soak and make bench do: chaos/, soak/, then the bench page.
// One chaos verdict is made INCONCLUSIVE, so that the page shows one.
func renderSite(t *testing.T, dir string) {
	t.Helper()
	chaosRuns, _ := filepath.Glob(filepath.Join("testdata", "site", "chaos", "*.json"))
	if len(chaosRuns) == 0 {
		t.Fatal("no recorded chaos run in testdata/site/chaos")
	}
	for i, path := range chaosRuns {
		var r chaos.Result
		readJSON(t, path, &r)
		if i == 0 && len(r.Verdicts) > 0 {
			r.Verdicts[0].Status = "inconclusive"
		}
		if _, err := chaos.WriteReports(filepath.Join(dir, "chaos"), &r); err != nil {
			t.Fatal(err)
		}
	}
	var sr soak.Result
	readJSON(t, filepath.Join("testdata", "site", "soak", "soak.json"), &sr)
	if _, err := soak.WriteReports(filepath.Join(dir, "soak"), &sr); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join("testdata", "site", FileJSON))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteReport(dir, r); err != nil {
		t.Fatal(err)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

var linkRE = regexp.MustCompile(`(?:src|href)="([^"]*)"`)

func TestSiteEveryPageLinksOnlyFilesThatExistAndImagesThatDecode(t *testing.T) {
	dir := t.TempDir()
	renderSite(t, dir)
	pages := map[string][]byte{}
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".html") {
			b, rerr := os.ReadFile(path)
			if rerr != nil {
				t.Fatal(rerr)
			}
			rel, _ := filepath.Rel(dir, path)
			pages[filepath.ToSlash(rel)] = b
		}
		return nil
	})
	for _, want := range []string{"index.html", "chaos/index.html", "chaos/restart.html", "chaos/slow-instance.html", "soak/index.html"} {
		if pages[want] == nil {
			t.Errorf("the site has no %s", want)
		}
	}
	images := 0
	for name, body := range pages {
		if bytes.Contains(body, []byte("<script")) || regexp.MustCompile(`(?:src|href)="[a-z]+:`).Match(body) {
			t.Errorf("%s needs a script or the network", name)
		}
		for _, m := range linkRE.FindAllSubmatch(body, -1) {
			ref, _, _ := strings.Cut(string(m[1]), "#")
			if ref == "" {
				continue
			}
			path := filepath.Join(dir, filepath.Dir(name), filepath.FromSlash(ref))
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s links %s: %v", name, m[1], err)
				continue
			}
			if ext := filepath.Ext(path); ext == ".png" || ext == ".svg" {
				images++
				checkImage(t, path)
			}
		}
	}
	if images < 2*len(figureFuncs) {
		t.Errorf("the pages show %d image links, want at least %d", images, 2*len(figureFuncs))
	}
	for page, want := range map[string][]string{
		"index.html":         {`href="chaos/index.html"`, `href="soak/index.html"`},
		"chaos/index.html":   {`href="../index.html"`, `href="../soak/index.html"`, `href="restart.html"`, "st-fail"},
		"chaos/restart.html": {"st-inconclusive", "INCONCLUSIVE", "restart-timeline.csv", "restart-shares.png", "go run ./cmd/geerpc chaos"},
		"soak/index.html":    {`href="../index.html"`, `href="../chaos/index.html"`, "st-pass", "soak-timeline.csv", "dead_heartbeat"},
	} {
		for _, w := range want {
			if !bytes.Contains(pages[page], []byte(w)) {
				t.Errorf("%s lacks %s", page, w)
			}
		}
	}
}

// TestReportOfNothingOrOfFailedRoundsRendersWithoutAFigureFromNothing
// renders a report with no cell, and one whose every figure is zero with
// every round failed: no panic, no plot of them, the failed rounds named.
func TestReportOfNothingOrOfFailedRoundsRendersWithoutAFigureFromNothing(t *testing.T) {
	empty := &Report{Schema: SchemaVersion}
	if err := WriteReport(t.TempDir(), empty); err != nil {
		t.Fatalf("empty report: %v", err)
	}
	r := fixtureReport()
	for i := range r.Peers {
		r.Peers[i] = PeerCell{Peer: r.Peers[i].Peer, Callers: r.Peers[i].Callers, Rounds: 2, FailedRounds: 2, Errors: 5}
	}
	for i := range r.Cells {
		c := &r.Cells[i]
		*c = Cell{Experiment: c.Experiment, Workload: c.Workload, Mode: c.Mode, InFlight: c.InFlight, Load: c.Load, Rate: c.Rate,
			SlowBy: c.SlowBy, Timeout: c.Timeout, Rounds: 2, FailedRounds: 2}
	}
	r.Targets, r.Best = judge(r), bestModes(r)
	dir := t.TempDir()
	if err := WriteReport(dir, r); err != nil {
		t.Fatal(err)
	}
	index, _ := os.ReadFile(filepath.Join(dir, FileIndex))
	summary, _ := os.ReadFile(filepath.Join(dir, FileSummary))
	for _, want := range []string{"Failed rounds", "no round made a successful call", "FAILED: no successful call in 2 of 2 rounds"} {
		if !bytes.Contains(index, []byte(want)) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if !bytes.Contains(summary, []byte("FAILED ROUNDS: peers, geerpc")) {
		t.Errorf("summary.txt does not name the failed rounds:\n%s", summary)
	}
	if plots, _ := filepath.Glob(filepath.Join(dir, DirPlots, "*-p99*.png")); len(plots) != 0 {
		t.Errorf("plotted p99 from failed rounds: %v", plots)
	}
}

func TestAFailedRoundIsLeftOutOfTheMedians(t *testing.T) {
	a := &cellAcc{spec: cellSpec{}, rec: newSpectrum()}
	a.add(figures{throughput: 1000, p99: 2, ok: 900, calls: 1000})
	a.add(figures{throughput: 0, p99: 0, ok: 0, calls: 0})
	a.add(figures{throughput: 1200, p99: 4, ok: 1000, calls: 1100})
	c := a.cell()
	if c.FailedRounds != 1 || c.Rounds != 3 || !c.Measured() {
		t.Fatalf("rounds %d, failed %d, measured %v; want 3, 1, true", c.Rounds, c.FailedRounds, c.Measured())
	}
	if c.Throughput.Median != 1100 || c.Throughput.Min != 1000 || c.P99.Median != 3 {
		t.Errorf("throughput %+v, p99 %+v: the failed round counted", c.Throughput, c.P99)
	}
}
