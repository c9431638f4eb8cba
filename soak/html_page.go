package soak

// pageHTML is the template of the soak's index.html: plain HTML and the
// site's inline CSS, no script, no network.
const pageHTML = `{{template "head" (head (printf "GeeRPC soak: %s" .Verdict) .Prov)}}
<body>
{{template "nav" .Nav}}
<h1>Soak {{template "status" .Verdict}}</h1>
<p>Open-loop load at a fixed share of the measured saturation for a long run while faults cycle over the instances; it passes when nothing leaks (goroutines, file descriptors, heap back within tolerance of the baseline taken after a warm-up of one fault cycle) and every call is accounted for.</p>
{{if .R.Interrupted}}<p class="alert"><b>Interrupted:</b> the figures cover the part that ran.</p>{{end}}
{{template "prov" .Prov}}
<p class="small">Contents: <a href="#checks">checks</a> · <a href="#timeline">timeline</a> · <a href="#load">load</a> · <a href="#samples">samples</a> · <a href="#accounts">accounts</a> · <a href="#faults">faults</a> · <a href="#data">data</a></p>

<h2 id="checks">Checks</h2>
<div class="scroll"><table class="cards">
<tr><th>check</th><th>verdict</th><th>measured</th><th>wanted</th></tr>
{{range .Checks}}<tr{{if eq .Status "FAIL"}} class="row-fail"{{end}}><td><b>{{.Name}}</b></td><td>{{template "status" .Status}}</td><td data-label="measured">{{.Measured}}</td><td data-label="wanted">{{.Want}}</td></tr>
{{else}}<tr><td colspan="4">Not judged.</td></tr>
{{end}}</table></div>

<h2 id="timeline">Timeline</h2>
<figure>
<a href="soak-timeline.svg"><img src="soak-timeline.png" alt="soak timeline"></a>
<figcaption><b>The soak phase, interval by interval.</b> Ok calls per second (over each interval's real length), the share of calls that ended in error and their p99 latency.
Each fault window is shaded by kind and labelled with its number, kind and target; a kill and its restart are dashed red vertical lines. The last interval, shorter than half the others, is left out (the CSV has it, marked partial).
<span class="small">(<a href="soak-timeline.png">PNG</a> · <a href="soak-timeline.svg">SVG</a>)</span></figcaption>
</figure>

<h2 id="load">Load</h2>
<div class="scroll"><table class="prov">
{{range .Load}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td></tr>
{{end}}</table></div>

<h2 id="samples">Samples: baseline and after</h2>
<p>Both taken with the load stopped, after a rest and one call to every instance; the heap after <code>runtime.GC</code>.</p>
<div class="scroll"><table>
<tr><th></th><th>baseline</th><th>after</th></tr>
{{range .Samples}}<tr><td>{{index . 0}}</td><td class="num">{{index . 1}}</td><td class="num">{{index . 2}}</td></tr>
{{end}}</table></div>
{{if .R.Grown}}<p>Functions whose goroutines grew most (after minus baseline):</p>
<ul>{{range .R.Grown}}<li><code>{{.Function}}</code>: +{{.Count}}</li>{{end}}</ul>{{end}}

<h2 id="accounts">Accounts per phase</h2>
<div class="scroll"><table>
<tr><th>phase</th><th>sent</th><th>ended</th><th>how they ended</th><th>in flight</th><th>unmatched</th><th>duplicates</th></tr>
{{range .Accounts}}<tr><td>{{.Phase}}</td><td class="num">{{.Sent}}</td><td class="num">{{.Ended}}</td><td>{{.Classes}}</td><td class="num">{{.InFlight}}</td><td class="num">{{.Unmatched}}</td><td class="num">{{.Duplicates}}</td></tr>
{{end}}</table></div>

<h2 id="faults">Faults of the soak phase</h2>
<div class="scroll"><table>
<tr><th>#</th><th>kind</th><th>target</th><th>planned</th><th>applied</th><th>undone</th><th>error</th></tr>
{{range .Faults}}<tr{{if .Err}} class="row-fail"{{end}}><td class="num">{{.Index}}</td><td>{{.Kind}}</td><td>{{.Targets}}</td><td>{{.Planned}}</td><td class="num">{{.Applied}}</td><td class="num">{{.Undone}}</td><td>{{.Err}}</td></tr>
{{end}}</table></div>

<h2 id="data">Data</h2>
<p><a href="soak.json">soak.json</a> (every figure, schema <code>{{.R.Schema}}</code>) · <a href="soak-timeline.csv">soak-timeline.csv</a> (provenance as <code>#</code> lines) · <a href="soak.txt">soak.txt</a> (the verdict line){{if .Profiles}} ·
heap profiles <a href="soak-heap-baseline.pprof">baseline</a> and <a href="soak-heap-after.pprof">after</a> (<code>go tool pprof -base soak-heap-baseline.pprof soak-heap-after.pprof</code> shows what grew){{end}}.</p>
</body>
</html>
`
