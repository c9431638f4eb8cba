package site

import (
	"html/template"
	"os"
	"path/filepath"
	"strings"

	"github.com/geerpclab/geerpc/internal/provenance"
)

// The pages of the site, by where they sit under its root: the bench page
// at the root, the chaos pages (in process, and as processes) and the soak
// page in their folders.
const (
	Bench      = "index.html"
	Chaos      = "chaos/index.html"
	ChaosProcs = "chaos-procs/index.html"
	Soak       = "soak/index.html"
)

// Pages are the site's pages in navigation order.
var Pages = []string{Bench, Chaos, ChaosProcs, Soak}

// names are the pages' names in the navigation bar.
var names = map[string]string{Bench: "bench", Chaos: "chaos", ChaosProcs: "chaos (processes)", Soak: "soak"}

// ChaosPage is the chaos page whose folder is dir: ChaosProcs for a folder
// named chaos-procs (where make chaos CLUSTER=procs writes), else Chaos.
func ChaosPage(dir string) string {
	if filepath.Base(dir) == filepath.Dir(ChaosProcs) {
		return ChaosProcs
	}
	return Chaos
}

// Link is one entry of the navigation bar.
type Link struct {
	Text, Href string
	Here       bool // the page being read
}

// Nav returns the navigation bar of the page here (one of Pages) whose
// file is in dir: a link to every page of the site that exists beside it,
// relative to dir.
func Nav(dir, here string) []Link {
	root := filepath.Join(dir, strings.Repeat("../", strings.Count(here, "/")))
	var links []Link
	for _, p := range Pages {
		if p != here {
			if _, err := os.Stat(filepath.Join(root, p)); err != nil {
				continue
			}
		}
		href := strings.Repeat("../", strings.Count(here, "/")) + p
		links = append(links, Link{Text: names[p], Href: href, Here: p == here})
	}
	return links
}

// Prov returns the provenance as (key, value) rows for the "prov" template.
func Prov(i provenance.Info) [][2]string {
	var rows [][2]string
	for _, l := range i.Lines() {
		k, v, _ := strings.Cut(l, ": ")
		rows = append(rows, [2]string{k, v})
	}
	return rows
}

// Template returns a template named name holding the shared blocks
// ("head", "style", "nav", "prov", "status") with funcs, ready to parse a page into.
func Template(name string, funcs template.FuncMap) *template.Template {
	t := template.New(name).Funcs(template.FuncMap{"statusClass": StatusClass, "head": head})
	return template.Must(t.Funcs(funcs).Parse(shared))
}

// headData is what the "head" block renders: the page's title, and the
// provenance the file starts with.
type headData struct {
	Title string
	Prov  [][2]string
}

func head(title string, prov [][2]string) headData { return headData{title, prov} }

// StatusClass is the CSS class of a verdict: pass, fail, inconclusive,
// info, met or missed, whatever its case.
func StatusClass(status string) string {
	return "st-" + strings.ToLower(strings.Fields(status + " x")[0])
}
