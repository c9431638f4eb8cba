package chaos

// scenarioHTML is the template of <scenario>.html: plain HTML and the
// site's inline CSS, no script, no network.
const scenarioHTML = `{{template "head" (head (printf "GeeRPC chaos: %s" .R.Scenario.Name) .Prov)}}
<body>
{{template "nav" .Nav}}
<p class="small"><a href="index.html">all chaos scenarios</a></p>
<h1>Chaos: {{.R.Scenario.Name}} {{template "status" .Verdict}}</h1>
<p>{{.R.Scenario.Description}}</p>
<p>{{.Load}}. Every balancing mode with every fail mode the scenario lists ran at the same time, each through its own client, while the faults below played.</p>
{{if .R.Interrupted}}<p class="alert"><b>Interrupted:</b> the figures cover the part that ran.</p>{{end}}
{{template "prov" .Prov}}
<p class="small">Contents: <a href="#verdicts">verdicts</a> · <a href="#plots">plots</a> · <a href="#variants">variants</a> · <a href="#windows">per fault window</a> · <a href="#faults">faults</a> · <a href="#data">data</a></p>

<h2 id="verdicts">Verdicts: {{.Counts}}</h2>
<p>One row per invariant and scope: {{template "status" "PASS"}} or {{template "status" "FAIL"}} with what was measured beside what was wanted;
{{template "status" "INCONCLUSIVE"}} when the run cannot judge it (a timing check on a machine too busy to tell); {{template "status" "INFO"}} for a figure only reported.</p>
<div class="scroll"><table class="cards">
<tr><th>verdict</th><th>invariant</th><th>scope</th><th>measured</th><th>wanted</th></tr>
{{range .R.Verdicts}}<tr class="row-{{lower .Status}}"><td>{{template "status" (upper .Status)}}</td><td><b>{{.Invariant}}</b></td><td data-label="scope">{{.Scope}}</td><td data-label="measured">{{.Measured}}</td><td data-label="wanted">{{.Want}}</td></tr>
{{else}}<tr><td colspan="5">No invariant was checked.</td></tr>
{{end}}</table></div>

<h2 id="plots">Plots</h2>
{{$n := .R.Scenario.Name}}<figure>
<a href="{{timeline $n}}.svg"><img src="{{timeline $n}}.png" alt="timeline of {{$n}}"></a>
<figcaption><b>Timeline, one row per balancing mode.</b> Per interval: ok calls per second, the share of calls that ended in error, and the p99 latency of the calls that ended; one line per fail mode, the y axes shared down each column so that the rows compare.
Each fault window is shaded by kind and labelled with its number, kind and target; a kill, freeze or restart is a dashed red vertical line with its label. A rate is the interval's ok calls over its real length; the run's last, shorter interval is left out (it is in the CSV, marked partial).
<span class="small">(<a href="{{timeline $n}}.png">PNG</a> · <a href="{{timeline $n}}.svg">SVG</a>)</span></figcaption>
</figure>
<figure>
<a href="{{shares $n}}.svg"><img src="{{shares $n}}.png" alt="instance shares of {{$n}}"></a>
<figcaption><b>Where the calls went.</b> One panel per variant (rows: balancing modes, columns: fail modes): each instance's share of the calls started in each interval, 0% at the axis. A balancer that routes around a faulted instance drops its line toward 0% inside the window, and lets it back after.
<span class="small">(<a href="{{shares $n}}.png">PNG</a> · <a href="{{shares $n}}.svg">SVG</a>)</span></figcaption>
</figure>

<h2 id="variants">Variants</h2>
<div class="scroll"><table>
<tr><th>variant</th><th>calls</th><th>success</th><th>p50</th><th>p99</th><th>errors by class</th></tr>
{{range .Variants}}<tr><td>{{.Name}}</td><td class="num">{{.Calls}}</td><td class="num">{{.Success}}</td><td class="num">{{.P50}}</td><td class="num">{{.P99}}</td><td>{{.Errors}}</td></tr>
{{end}}</table></div>

<h2 id="windows">Per fault window</h2>
<p>The calls started inside each window: the faulted instances' share, p99, calls failed of those started, and the time from the fault's end until the error rate fell back to the one before the first fault ("never": not within the run).</p>
{{range .Windows}}<h3>{{.Title}}</h3>
<div class="scroll"><table>
<tr><th>variant</th><th>share of the target</th><th>p99</th><th>failed</th><th>recovery</th></tr>
{{range .Rows}}<tr>{{range $i, $c := .}}<td{{if $i}} class="num"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</table></div>
{{else}}<p>The scenario has no fault.</p>
{{end}}
<h2 id="faults">Faults as they happened</h2>
<div class="scroll"><table>
<tr><th>#</th><th>kind</th><th>target</th><th>planned</th><th>applied</th><th>undone</th><th>error</th></tr>
{{range .Faults}}<tr{{if .Err}} class="row-fail"{{end}}><td class="num">{{.Index}}</td><td>{{.Kind}}</td><td>{{.Targets}}</td><td>{{.Planned}}</td><td class="num">{{.Applied}}</td><td class="num">{{.Undone}}</td><td>{{.Err}}</td></tr>
{{end}}</table></div>

<h2 id="data">Data</h2>
<p>{{range $i, $f := .Files}}{{if $i}} · {{end}}<a href="{{$f}}">{{$f}}</a>{{end}}. The JSON holds every figure (schema <code>{{.R.Schema}}</code>); the CSV has every variant's timeline with the provenance as <code>#</code> lines; the text is what the command printed.</p>
</body>
</html>
`

// indexHTML is the template of the chaos page, index.html.
const indexHTML = `{{template "head" (head "GeeRPC chaos scenarios" .Prov)}}
<body>
{{template "nav" .Nav}}
<h1>Chaos scenarios {{template "status" .Verdict}}</h1>
<p>Each scenario starts a registry and its instances, each behind a fault-injecting proxy on 127.0.0.1, and runs every balancing mode with every fail mode it lists at once while its faults play; invariants judge what the clients saw. One row per scenario; its page has the verdicts, the plots and the data.</p>
{{if .Prov}}<p class="small">Provenance of the latest run below; each scenario's page has its own.</p>{{template "prov" .Prov}}{{end}}
<div class="scroll"><table class="cards">
<tr><th>scenario</th><th>verdict</th><th>invariants</th><th>calls</th><th>what it shows</th><th>ran</th></tr>
{{range .Rows}}<tr class="row-{{lower .Verdict}}"><td><a href="{{.Name}}.html">{{.Name}}</a></td><td>{{template "status" .Verdict}}</td><td data-label="invariants">{{.Counts}}</td><td data-label="calls">{{.Calls}}</td><td>{{.Description}}</td><td data-label="ran">{{.Date}}</td></tr>
{{else}}<tr><td colspan="6">No scenario has run here yet: <code>make chaos</code>.</td></tr>
{{end}}</table></div>
{{range .Rows}}{{if .Failed}}<h3><a href="{{.Name}}.html">{{.Name}}</a>: failed invariants</h3>
<ul>{{range .Failed}}<li><b>{{.Invariant}}</b> ({{.Scope}}): measured {{.Measured}}, wanted {{.Want}}</li>{{end}}</ul>
{{end}}{{end}}
{{if .Summary}}<p>One line per scenario: <a href="summary.txt">summary.txt</a>.</p>{{end}}
</body>
</html>
`
