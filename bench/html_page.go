package bench

// pageHTML is the template of index.html, the front page of the report
// site: plain HTML and the site's inline CSS, no script, no network.
const pageHTML = `{{template "head" (head (printf "GeeRPC bench report: %s" (.R.Provenance.Date.Format "2006-01-02 15:04 UTC")) .Prov)}}
<body>
{{template "nav" .Nav}}
<h1>GeeRPC: balancing modes and peers, measured</h1>
{{template "prov" .Prov}}
<p>Size <b>{{.R.Plan.Size}}</b>, rounds per cell: {{.R.Plan.Rounds}} (peers: {{.R.Plan.PeerRounds}}); the whole run took {{.Elapsed}}; instances: {{.R.Cluster}}.
<b>Note:</b> {{.Shared}}. Every figure on this page comes from the run above; nothing is typed in by hand.
The chaos and soak pages join the bar above once <code>make chaos</code> and <code>make soak</code> have written them beside this one.</p>
<p class="small">Contents: <a href="#targets">targets</a> · <a href="#best">best mode per workload</a>{{range .Sections}} · <a href="#{{.ID}}">{{.Title}}</a>{{end}} · <a href="#method">method</a> · <a href="#closing">closing note</a> · <a href="#data">data</a></p>
{{if .Failed}}<div class="alert"><b>Failed rounds.</b> A round that made no successful call has no figure: it is left out of the medians, and a cell whose every round failed is neither plotted nor chosen as best.
<ul>{{range .Failed}}<li>{{.}}</li>{{end}}</ul></div>{{end}}

<h2 id="targets">Targets</h2>
<div class="scroll"><table class="cards">
<tr><th>set by</th><th>target</th><th>verdict</th><th>measured (medians)</th></tr>
{{range .R.Targets}}<tr{{if not .Met}} class="row-fail"{{end}}><td data-label="set by">{{.Issue}} issue</td><td><b>{{.Name}}</b></td><td>{{template "status" (mark .Met)}}</td><td data-label="measured">{{.Value}}</td></tr>
{{else}}<tr><td colspan="4">No target could be judged: the cells they need were not measured.</td></tr>
{{end}}</table></div>

<h2 id="best">Best mode per workload</h2>
<p>For each workload and setting, the mode with the fewest failed calls (timeouts included, to a tenth of a percent), then the lowest p99. Each cell reads <i>p99 · throughput · share of calls failed</i>, medians over the rounds; the best is shaded. When other modes fail as often and their p99 min..max overlaps the best's, the rounds cannot tell them apart: they are named beside it.</p>
<div class="scroll"><table>
<tr><th>workload</th><th>best</th>{{range .BestHead}}<th>{{.}}</th>{{end}}</tr>
{{range .BestRows}}<tr>{{range .}}<td{{if .Failed}} class="failedcell"{{else if .Best}} class="best"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</table></div>
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
{{if .Missed}}<p>{{len .Missed}} of {{len .R.Targets}} targets were {{template "status" "MISSED"}}. What the figures say about why:</p>
<ul>{{range .Missed}}<li><b>{{.Name}}</b>: measured {{.Value}}. {{.Why}}</li>
{{end}}</ul>{{else}}<p>Every target judged was met.</p>{{end}}

<h2 id="data">Data</h2>
<p>The figures of this page as data: {{range $i, $f := .Files}}{{if $i}} · {{end}}<a href="{{$f}}">{{$f}}</a>{{end}}.
<code>bench.json</code> holds everything, spectra and per-instance shares included; the CSV files start with the provenance as <code>#</code> lines
(read them with <code>pandas.read_csv(path, comment="#")</code>). <code>geerpc report -render</code> redraws this page from <code>bench.json</code>.</p>
</body>
</html>
{{define "peers"}}<div class="scroll"><table>
<tr><th>callers</th><th>peer</th><th>calls/s median (min..max)</th><th>p50</th><th>p99 median (min..max)</th><th>allocs/call</th><th>CPU µs/call</th><th>wake-ups/call</th><th>errors</th><th>failed rounds</th></tr>
{{range .Peers}}{{if .Measured}}<tr><td class="num">{{.Callers}}</td><td>{{.Peer}}</td><td class="num">{{printf "%.0f" .Throughput.Median}} ({{printf "%.0f" .Throughput.Min}}..{{printf "%.0f" .Throughput.Max}})</td><td class="num">{{ms .P50.Median}}</td><td class="num">{{stat .P99}}</td><td class="num">{{f1 .AllocsPerCall}}</td><td class="num">{{f1 .CPUPerCall}}</td><td class="num">{{f1 .WakeupsPerCall}}</td><td class="num">{{.Errors}}</td><td class="num{{if .FailedRounds}} failedcell{{end}}">{{.FailedRounds}} of {{.Rounds}}</td></tr>
{{else}}<tr class="row-fail"><td class="num">{{.Callers}}</td><td>{{.Peer}}</td><td colspan="6">{{template "status" "FAILED"}} no round made a successful call: no figure</td><td class="num">{{.Errors}}</td><td class="num failedcell">{{.FailedRounds}} of {{.Rounds}}</td></tr>
{{end}}{{end}}</table></div>{{end}}
`
