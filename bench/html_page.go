package bench

// pageHTML is the template of index.html: plain HTML and inline CSS, no
// script, no network.
const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="geerpc bench, commit {{.R.Provenance.Commit}}">
<title>GeeRPC bench report: {{.R.Provenance.Date.Format "2006-01-02 15:04 UTC"}}</title>
<style>
body { font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; max-width: 1180px; margin: 0 auto; padding: 1em 1.5em 4em; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 2.2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .8em 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.met { color: #176f2c; font-weight: bold; } .MISSED { color: #fff; background: #b3261e; font-weight: bold; padding: 0 .4em; }
.best { font-weight: bold; background: #eaf4ea; }
figure { margin: 1.5em 0 2.5em; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { max-width: 60em; font-size: 14px; color: #333; } .small { font-size: 13px; color: #555; }
.prov td:first-child { font-weight: bold; white-space: nowrap; } code { font-size: 13px; }
.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: .5em 1em; }
</style>
</head>
<body>
<h1>GeeRPC: balancing modes and peers, measured</h1>
<table class="prov">
{{range .Prov}}<tr><td>{{index . 0}}</td><td><code>{{index . 1}}</code></td></tr>
{{end}}</table>
<p>Size <b>{{.R.Plan.Size}}</b>, rounds per cell: {{.R.Plan.Rounds}} (peers: {{.R.Plan.PeerRounds}}); the whole run took {{.Elapsed}}; instances: {{.R.Cluster}}.
<b>Note:</b> {{.Shared}}. Every figure on this page comes from the run above; nothing is typed in by hand.</p>
<p class="small">Contents: <a href="#targets">targets</a> · <a href="#best">best mode per workload</a>{{range .Sections}} · <a href="#{{.ID}}">{{.Title}}</a>{{end}} · <a href="#method">method</a> · <a href="#closing">closing note</a> · <a href="#data">data</a></p>

<h2 id="targets">Targets</h2>
<table>
<tr><th>set by</th><th>target</th><th>verdict</th><th>measured (medians)</th></tr>
{{range .R.Targets}}<tr><td>{{.Issue}} issue</td><td>{{.Name}}</td><td><span class="{{mark .Met}}">{{mark .Met}}</span></td><td>{{.Value}}</td></tr>
{{else}}<tr><td colspan="4">No target could be judged: the cells they need were not measured.</td></tr>
{{end}}</table>

<h2 id="best">Best mode per workload</h2>
<p>For each workload and setting, the mode with the fewest failed calls (timeouts included, to a tenth of a percent), then the lowest p99. Each cell reads <i>p99 · throughput · share of calls failed</i>, medians over the rounds; the best is shaded. When other modes fail as often and their p99 min..max overlaps the best's, the rounds cannot tell them apart: they are named beside it.</p>
<table>
<tr><th>workload</th><th>best</th>{{range .BestHead}}<th>{{.}}</th>{{end}}</tr>
{{range .BestRows}}<tr>{{range .}}<td{{if .Best}} class="best"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</table>
{{range .R.Notes}}<p class="note">{{.}}</p>
{{end}}
{{range .Sections}}
<h2 id="{{.ID}}">{{.Title}}</h2>
<p>{{.Intro}}</p>
{{range .Figures}}<figure>
<a href="plots/{{.Name}}.svg"><img src="plots/{{.Name}}.png" width="1296" height="648" alt="{{.Title}}"></a>
<figcaption><b>{{.Title}}.</b> {{.Caption}} <span class="small">(<a href="plots/{{.Name}}.png">PNG</a> · <a href="plots/{{.Name}}.svg">SVG</a>)</span></figcaption>
</figure>
{{end}}{{if .Peers}}{{template "peers" $.R}}{{end}}
{{end}}
<h2 id="method">How it was measured</h2>
{{range .Method}}<p>{{.}}</p>
{{end}}
<h2 id="closing">Closing note</h2>
{{if .Missed}}<p>{{len .Missed}} of {{len .R.Targets}} targets were <span class="MISSED">MISSED</span>. What the figures say about why:</p>
<ul>{{range .Missed}}<li><b>{{.Name}}</b>: measured {{.Value}}. {{.Why}}</li>
{{end}}</ul>{{else}}<p>Every target judged was met.</p>{{end}}

<h2 id="data">Data</h2>
<p>The figures of this page as data: {{range $i, $f := .Files}}{{if $i}} · {{end}}<a href="{{$f}}">{{$f}}</a>{{end}}.
<code>bench.json</code> holds everything, spectra and per-instance shares included; the CSV files start with the provenance as <code>#</code> lines
(read them with <code>pandas.read_csv(path, comment="#")</code>). <code>geerpc report -render</code> redraws this page from <code>bench.json</code>.</p>
</body>
</html>
{{define "peers"}}<table>
<tr><th>callers</th><th>peer</th><th>calls/s median (min..max)</th><th>p50</th><th>p99 median (min..max)</th><th>allocs/call</th><th>CPU µs/call</th><th>errors</th></tr>
{{range .Peers}}<tr><td class="num">{{.Callers}}</td><td>{{.Peer}}</td><td class="num">{{printf "%.0f" .Throughput.Median}} ({{printf "%.0f" .Throughput.Min}}..{{printf "%.0f" .Throughput.Max}})</td><td class="num">{{ms .P50.Median}}</td><td class="num">{{stat .P99}}</td><td class="num">{{f1 .AllocsPerCall}}</td><td class="num">{{f1 .CPUPerCall}}</td><td class="num">{{.Errors}}</td></tr>
{{end}}</table>{{end}}
`
