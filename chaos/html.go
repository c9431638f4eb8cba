package chaos

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/geerpclab/geerpc/internal/provenance"
	"github.com/geerpclab/geerpc/internal/site"
)

// FileIndex is the chaos page of the report site: every scenario of its
// folder with its verdicts, linking the page of each.
const FileIndex = "index.html"

// scenarioPage is what <scenario>.html is rendered from.
type scenarioPage struct {
	R        *Result
	Nav      []site.Link
	Prov     [][2]string
	Load     string
	Verdict  string // FAIL, INCONCLUSIVE or PASS
	Counts   string
	Variants []variantRow
	Windows  []windowTable
	Faults   []faultRow
	Files    []string
}

type variantRow struct {
	Name, Calls, Success, P50, P99, Errors string
}

// windowTable is what every variant saw during one fault's window.
type windowTable struct {
	Title string
	Rows  [][]string // variant, share of the targets, p99, failed/started, recovery
}

type faultRow struct {
	Index                                        int
	Kind, Targets, Planned, Applied, Undone, Err string
}

// WriteHTML writes the page of one scenario run: provenance, the verdicts
// as a coloured table, the variants side by side overall and per fault
// window, the fault timeline as it happened, the plots with captions and
// links to the data. nav links the other pages of the site.
func WriteHTML(w io.Writer, r *Result, nav []site.Link) error {
	pg := scenarioPage{R: r, Nav: nav, Prov: site.Prov(r.Provenance), Verdict: overall(r.Verdicts), Counts: counts(r.Verdicts)}
	if s := r.Scenario; s != nil {
		pg.Load = fmt.Sprintf("%s for %v, call timeout %v, %d instances, %d variants at once, seed %d",
			loadText(s.Load), s.Load.Duration, s.Load.Timeout, len(s.Instances), len(r.Variants), r.Seed)
		pg.Files = scenarioFiles(s.Name)
	}
	for _, vr := range r.Variants {
		pg.Variants = append(pg.Variants, variantRow{vr.Name, strconv.FormatInt(vr.Calls, 10),
			fmt.Sprintf("%.3f%%", vr.Success*100), fmtDur(vr.P50), fmtDur(vr.P99), classText(vr.Classes)})
	}
	pg.Windows = windowTables(r)
	for _, f := range r.Faults {
		pg.Faults = append(pg.Faults, faultRow{f.Index, string(f.Type), targetText(f),
			fmt.Sprintf("%v–%v", f.Start, f.End), offsetText(f.AppliedAt), offsetText(f.ClearedAt), f.Err})
	}
	return scenarioTemplate.Execute(w, pg)
}

// scenarioFiles are the data files of a scenario, as WriteReports names them.
func scenarioFiles(name string) []string {
	return []string{name + ".json", name + "-timeline.csv", name + ".txt"}
}

// windowTables lays out each variant's figures per fault window.
func windowTables(r *Result) []windowTable {
	var out []windowTable
	for i, f := range r.Faults {
		from, to := window(f)
		wt := windowTable{Title: fmt.Sprintf("#%d %s on %s, %v–%v", f.Index, f.Type, targetText(f),
			from.Round(time.Millisecond), to.Round(time.Millisecond))}
		for _, vr := range r.Variants {
			if i >= len(vr.Windows) {
				continue
			}
			ws := vr.Windows[i]
			wt.Rows = append(wt.Rows, []string{vr.Name, shareText(ws.Shares, f.Instances), fmtDur(ws.P99),
				fmt.Sprintf("%d of %d", ws.Errors, ws.Calls), recoveryText(ws.Recovery)})
		}
		out = append(out, wt)
	}
	return out
}

// overall is a run's verdict: FAIL if any invariant failed, INCONCLUSIVE
// if any could not be judged, PASS otherwise.
func overall(vs []Verdict) string {
	n := tally(vs)
	switch {
	case n[StatusFail] > 0:
		return "FAIL"
	case n[StatusInconclusive] > 0:
		return "INCONCLUSIVE"
	}
	return "PASS"
}

// tally counts the verdicts by status.
func tally(vs []Verdict) map[string]int {
	n := map[string]int{}
	for _, v := range vs {
		n[strings.ToLower(v.Status)]++
	}
	return n
}

// counts describes the tally: "12 pass, 1 fail, 3 info".
func counts(vs []Verdict) string {
	n := tally(vs)
	var parts []string
	for _, st := range []string{StatusPass, StatusFail, StatusInconclusive, StatusInfo} {
		if n[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[st], st))
			delete(n, st)
		}
	}
	for _, st := range sortedKeys(n) {
		parts = append(parts, fmt.Sprintf("%d %s", n[st], st))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TimelineCSVHeader is the header row of WriteTimelineCSV.
var TimelineCSVHeader = []string{"variant", "start_s", "end_s", "calls", "ok", "errors", "throughput", "error_rate", "p99_ms", "partial"}

// WriteTimelineCSV writes every variant's timeline: provenance as "# "
// lines, then TimelineCSVHeader, one row per variant and interval. The
// throughput is ok calls over the interval's real length (up to the end of
// the load); an interval shorter than half the others is marked partial.
func WriteTimelineCSV(w io.Writer, r *Result) error {
	_ = r.Provenance.WriteHeader(w, "# ")
	cw := csv.NewWriter(w)
	_ = cw.Write(TimelineCSVHeader)
	end := loadEnd(r)
	for _, vr := range r.Variants {
		iv := nominalInterval(vr.Timeline)
		for _, pt := range vr.Timeline {
			real := min(pt.End, end) - pt.Start
			tp, er := "", ""
			if real > 0 {
				tp = strconv.FormatFloat(float64(pt.OK)/real.Seconds(), 'f', 3, 64)
			}
			if pt.Calls > 0 {
				er = strconv.FormatFloat(float64(pt.Calls-pt.OK)/float64(pt.Calls), 'f', 6, 64)
			}
			_ = cw.Write([]string{vr.Name, secs(pt.Start), secs(pt.End), strconv.FormatInt(pt.Calls, 10),
				strconv.FormatInt(pt.OK, 10), strconv.FormatInt(pt.Calls-pt.OK, 10), tp, er,
				strconv.FormatFloat(float64(pt.P99)/1e6, 'f', 3, 64), strconv.FormatBool(real < iv/2)})
		}
	}
	cw.Flush()
	return cw.Error()
}

func secs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

// indexRow is one scenario of the chaos page.
type indexRow struct {
	Name, Description, Verdict, Counts, Calls, Date string
	Failed                                          []Verdict
}

// indexPage is what index.html is rendered from.
type indexPage struct {
	Nav     []site.Link
	Prov    [][2]string
	Rows    []indexRow
	Verdict string
	Summary bool // summary.txt is there
}

// WritePages (re)writes the pages of dir from every chaos result JSON in
// it: <scenario>.html for each, and index.html with one row per scenario
// and its verdict, linking its page. Each page's navigation links the
// pages of the site present at the time.
func WritePages(dir string) error {
	results, err := readResults(dir)
	if err != nil {
		return err
	}
	nav := site.Nav(dir, site.ChaosPage(dir))
	for _, r := range results {
		err := writeFile(filepath.Join(dir, r.Scenario.Name+".html"), r, func(w io.Writer, r *Result) error { return WriteHTML(w, r, nav) })
		if err != nil {
			return err
		}
	}
	return writeIndex(dir, results, nav)
}

// writeIndex writes index.html: one row per scenario.
func writeIndex(dir string, results []*Result, nav []site.Link) error {
	pg := indexPage{Nav: nav, Verdict: "PASS"}
	if len(results) > 0 {
		pg.Prov = site.Prov(latest(results))
	}
	var all []Verdict
	for _, r := range results {
		row := indexRow{Name: r.Scenario.Name, Description: r.Scenario.Description, Verdict: overall(r.Verdicts),
			Counts: counts(r.Verdicts), Date: r.Provenance.Date.Format("2006-01-02 15:04 UTC"), Failed: r.Failed()}
		var calls int64
		for _, vr := range r.Variants {
			calls += vr.Calls
		}
		row.Calls = strconv.FormatInt(calls, 10)
		pg.Rows = append(pg.Rows, row)
		all = append(all, r.Verdicts...)
	}
	pg.Verdict = overall(all)
	_, err := os.Stat(filepath.Join(dir, "summary.txt"))
	pg.Summary = err == nil
	return writeFile(filepath.Join(dir, FileIndex), nil, func(w io.Writer, _ *Result) error { return indexTemplate.Execute(w, pg) })
}

// latest is the provenance of the most recent of the results.
func latest(rs []*Result) provenance.Info {
	p := rs[0].Provenance
	for _, r := range rs[1:] {
		if r.Provenance.Date.After(p.Date) {
			p = r.Provenance
		}
	}
	return p
}

// readResults reads every chaos result JSON of dir, sorted by scenario.
func readResults(dir string) ([]*Result, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("geerpc: chaos: %w", err)
	}
	var out []*Result
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("geerpc: chaos: %w", err)
		}
		var r Result
		if json.Unmarshal(b, &r) != nil || r.Schema != SchemaVersion || r.Scenario == nil {
			continue // not a chaos result
		}
		out = append(out, &r)
	}
	slices.SortFunc(out, func(a, b *Result) int { return strings.Compare(a.Scenario.Name, b.Scenario.Name) })
	return out, nil
}

var funcs = template.FuncMap{
	"lower": strings.ToLower, "upper": strings.ToUpper,
	"timeline": func(name string) string { return name + "-timeline" },
	"shares":   func(name string) string { return name + "-shares" },
}

var (
	scenarioTemplate = template.Must(site.Template("scenario", funcs).Parse(scenarioHTML))
	indexTemplate    = template.Must(site.Template("index", funcs).Parse(indexHTML))
)
