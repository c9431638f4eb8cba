package site

// shared is parsed into every page's template: "head" takes head's result. On a phone-width window a
// table of class "cards" shows each row as a card, each cell after its
// data-label.: the style sheet, the
// navigation bar, the provenance as meta elements (so that the file starts
// with it) and as a table, and a coloured verdict.
const shared = `{{define "head"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{range .Prov}}<meta name="provenance-{{index . 0}}" content="{{index . 1}}">
{{end}}<title>{{.Title}}</title>
{{template "style"}}
</head>{{end}}
{{define "style"}}<style>
body { font: 15px/1.5 -apple-system, "Segoe UI", "Liberation Sans", Helvetica, Arial, sans-serif; color: #222; max-width: 1180px; margin: 0 auto; padding: .5em 1.5em 4em; }
h1 { font-size: 1.6em; margin: .4em 0 .2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; } h3 { margin-top: 1.6em; }
nav.site { border-bottom: 1px solid #ddd; padding: .4em 0; font-size: 14px; }
nav.site a, nav.site b { margin-right: 1.2em; } nav.site b { color: #000; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; margin: .8em 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.st-pass, .st-met { color: #fff; background: #1e7b34; font-weight: bold; padding: 0 .4em; border-radius: 3px; }
.st-fail, .st-missed, .st-failed { color: #fff; background: #b3261e; font-weight: bold; padding: 0 .4em; border-radius: 3px; }
.st-inconclusive { color: #5c4300; background: repeating-linear-gradient(135deg, #ffe08a, #ffe08a 4px, #fff3c4 4px, #fff3c4 8px); border: 1px solid #c99a00; font-weight: bold; padding: 0 .4em; border-radius: 3px; }
.st-info { color: #444; background: #e8e8e8; padding: 0 .4em; border-radius: 3px; }
tr.row-fail td { background: #fdecea; } tr.row-inconclusive td { background: #fff8e1; }
.best { font-weight: bold; background: #eaf4ea; } .failedcell { background: #fdecea; color: #8a1c15; }
figure { margin: 1.5em 0 2.5em; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { max-width: 60em; font-size: 14px; color: #333; } .small { font-size: 13px; color: #555; }
.prov td:first-child { font-weight: bold; white-space: nowrap; } .prov td { word-break: break-word; } code { font-size: 13px; }
.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: .5em 1em; }
.alert { background: #fdecea; border-left: 4px solid #b3261e; padding: .5em 1em; }
@media (max-width: 600px) { body { font-size: 14px; padding: .3em .7em 3em; } h1 { font-size: 1.3em; } table { font-size: 12px; } th, td { padding: .2em .35em; }
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; } table.cards tr:first-child { display: none; }
  table.cards tr { border: 1px solid #ddd; margin: .5em 0; } table.cards td { border: none; padding: .1em .5em; }
  table.cards td[data-label]::before { content: attr(data-label) ": "; color: #666; } }
</style>{{end}}
{{define "nav"}}<nav class="site">Report site:{{range .}} {{if .Here}}<b>{{.Text}}</b>{{else}}<a href="{{.Href}}">{{.Text}}</a>{{end}}{{end}}</nav>{{end}}
{{define "prov"}}<div class="scroll"><table class="prov">
{{range .}}<tr><td>{{index . 0}}</td><td><code>{{index . 1}}</code></td></tr>
{{end}}</table></div>{{end}}
{{define "status"}}<span class="{{statusClass .}}">{{.}}</span>{{end}}`
