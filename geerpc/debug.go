package geerpc

import (
	"html/template"
	"net/http"
	"sort"
	"time"
)

const debugText = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>GeeRPC Services</title></head>
<body>
{{range .}}
<hr>
<h2>Service {{.Name}}</h2>
<table border="1" cellpadding="4">
<tr><th align="left">Method</th><th>Calls</th><th>Errors</th><th>p50</th><th>p99</th></tr>
{{range .Methods}}
<tr>
<td align="left" style="font-family:monospace">{{.Name}}({{.ArgType}}, {{.ReplyType}}) error</td>
<td align="right">{{.Calls}}</td><td align="right">{{.Errors}}</td>
<td align="right">{{.P50}}</td><td align="right">{{.P99}}</td>
</tr>
{{end}}
</table>
{{end}}
</body></html>`

var debugTemplate = template.Must(template.New("RPC debug").Parse(debugText))

// MethodStats is one method's line on the debug page.
type MethodStats struct {
	Name, ArgType, ReplyType string
	Calls, Errors            uint64
	P50, P99                 time.Duration // upper bounds of the latency buckets
}

// ServiceStats is one service's section on the debug page.
type ServiceStats struct {
	Name    string
	Methods []MethodStats
}

// Stats returns the services, methods and their call statistics, sorted.
func (s *Server) Stats() []ServiceStats {
	var out []ServiceStats
	s.serviceMap.Range(func(_, v any) bool {
		svc := v.(*service)
		st := ServiceStats{Name: svc.name}
		for _, name := range svc.sortedMethods() {
			st.Methods = append(st.Methods, methodStatsOf(name, svc.method[name]))
		}
		out = append(out, st)
		return true
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func methodStatsOf(name string, m *methodType) MethodStats {
	p50, _ := m.stats.quantile(0.50)
	p99, _ := m.stats.quantile(0.99)
	errs := m.stats.errors.Load() // before calls: see methodStats
	return MethodStats{
		Name: name, ArgType: m.ArgType.String(), ReplyType: m.ReplyType.String(),
		Calls: m.NumCalls(), Errors: errs, P50: p50, P99: p99,
	}
}

// DebugHandler returns the debug page handler: services, methods with
// their types, calls, errors and latency percentiles, HTML-escaped.
func (s *Server) DebugHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := debugTemplate.Execute(w, s.Stats()); err != nil {
			http.Error(w, "geerpc: rendering debug page: "+err.Error(), http.StatusInternalServerError)
		}
	})
}
