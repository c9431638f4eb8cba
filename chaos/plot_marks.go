package chaos

import (
	"fmt"
	"hash/fnv"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/geerpclab/geerpc/chaos/scenario"
)

// shades are the fills of fault windows, one per kind of fault.
var shades = []color.NRGBA{
	{R: 255, G: 140, B: 0, A: 56},   // orange
	{R: 66, G: 133, B: 244, A: 50},  // blue
	{R: 156, G: 39, B: 176, A: 44},  // purple
	{R: 0, G: 150, B: 136, A: 50},   // teal
	{R: 120, G: 120, B: 120, A: 56}, // grey
	{R: 233, G: 30, B: 99, A: 40},   // pink
	{R: 139, G: 195, B: 74, A: 60},  // green
}

// shadeOf is the fill of a fault kind: the kinds of a run in the order
// they first occur take the shades in turn, so that no two kinds of one
// run share a shade while there are shades enough.
func shadeOf(r *Result, t scenario.FaultType) color.Color {
	var kinds []scenario.FaultType
	for _, f := range r.Faults {
		if !containsKind(kinds, f.Type) {
			kinds = append(kinds, f.Type)
		}
	}
	for i, k := range kinds {
		if k == t {
			return shades[i%len(shades)]
		}
	}
	h := fnv.New32a()
	h.Write([]byte(t))
	return shades[int(h.Sum32()%uint32(len(shades)))]
}

func containsKind(ks []scenario.FaultType, k scenario.FaultType) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// eventColor is the colour of the vertical lines of process events.
var eventColor = color.NRGBA{R: 183, G: 28, B: 28, A: 255}

// events returns what a fault does to a process at its start and at its
// end ("kill" and "restart", "freeze" and "thaw"); ok is false for a fault
// that is no process event.
func events(t scenario.FaultType) (start, end string, ok bool) {
	s := string(t)
	switch {
	case strings.Contains(s, "freeze") || strings.Contains(s, "pause") || strings.Contains(s, "stop"):
		return "freeze", "thaw", true
	case strings.Contains(s, "kill") || strings.Contains(s, "zombie") || strings.Contains(s, "crash"):
		return strings.ReplaceAll(s, "_", " "), "restart", true
	}
	return "", "", false
}

// targetText names a fault's targets: its instances, or the registry.
func targetText(f FaultRecord) string {
	if len(f.Instances) == 0 {
		return "registry"
	}
	return strings.Join(f.Instances, ",")
}

// faultMarks is a plotter that shades every fault window of r across the
// panel and draws a vertical line where a process was killed, frozen or
// restarted; with labels, it draws instead (over the lines) each window's
// label (number, kind and targets) and each event's.
type faultMarks struct {
	r      *Result
	labels bool
}

// Plot implements plot.Plotter.
func (m *faultMarks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	end := loadEnd(m.r)
	for _, f := range m.r.Faults {
		from, to := window(f)
		if to < 0 || to > end {
			to = end
		}
		x0, x1 := trX(from.Seconds()), trX(to.Seconds())
		start, stop, isEvent := events(f.Type)
		switch {
		case m.labels && isEvent:
			m.label(c, x0, f.AppliedAt >= 0, eventColor, start+" "+targetText(f))
			m.label(c, x1, f.ClearedAt >= 0 && f.ClearedAt <= end, eventColor, stop+" "+targetText(f))
		case m.labels:
			m.label(c, x0, true, labelColor, fmt.Sprintf("#%d %s %s", f.Index, f.Type, targetText(f)))
		default:
			c.FillPolygon(shadeOf(m.r, f.Type), []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
			if isEvent {
				m.line(c, x0, f.AppliedAt >= 0)
				m.line(c, x1, f.ClearedAt >= 0 && f.ClearedAt <= end)
			}
		}
	}
}

// line draws a dashed vertical line at x when the event happened.
func (m *faultMarks) line(c draw.Canvas, x vg.Length, happened bool) {
	if happened && x >= c.Min.X && x <= c.Max.X {
		c.StrokeLine2(eventStyle, x, c.Min.Y, x, c.Max.Y)
	}
}

// label writes s upwards just right of x, from the top of the panel down,
// on a pale box so that it reads over the lines.
func (m *faultMarks) label(c draw.Canvas, x vg.Length, happened bool, clr color.Color, s string) {
	if !happened || x < c.Min.X || x > c.Max.X {
		return
	}
	sty := markText(vg.Points(8))
	sty.Color = clr
	w, h := sty.Width(s), sty.Height(s)
	top := c.Max.Y - vg.Points(2)
	x0 := x + vg.Points(1)
	c.FillPolygon(color.NRGBA{R: 255, G: 255, B: 255, A: 210}, []vg.Point{{X: x0, Y: top}, {X: x0 + h, Y: top}, {X: x0 + h, Y: top - w - vg.Points(2)}, {X: x0, Y: top - w - vg.Points(2)}})
	c.FillText(sty, vg.Point{X: x0, Y: top - vg.Points(1)}, s)
}

// labelColor is the colour of the fault windows' labels.
var labelColor = color.NRGBA{R: 50, G: 50, B: 50, A: 255}

// eventStyle draws the vertical lines of process events.
var eventStyle = draw.LineStyle{Color: eventColor, Width: vg.Points(1.4), Dashes: []vg.Length{vg.Points(4), vg.Points(2)}}

// markText is the style of the labels of fault windows and events: small,
// turned to run up the panel.
func markText(size vg.Length) text.Style {
	return text.Style{
		Color:    color.NRGBA{R: 60, G: 60, B: 60, A: 255},
		Font:     font.From(plot.DefaultFont, size),
		Rotation: math.Pi / 2,
		XAlign:   draw.XRight,
		YAlign:   draw.YTop,
		Handler:  plot.DefaultTextHandler,
	}
}

// timelineLegend names the fail modes' lines, every kind of fault window
// and the process events. With stacked panels the lines are the variants.
func timelineLegend(r *Result, fails []string, stacked bool) plot.Legend {
	leg := newLegend()
	for i, fail := range fails {
		name := "fail mode " + fail
		if stacked && len(r.Variants) == 1 {
			name = r.Variants[0].Name
		}
		leg.Add(name, thumbLine(lineStyle(i)))
	}
	addFaultLegend(&leg, r)
	return leg
}

// sharesLegend names the instances' lines and the fault marks.
func sharesLegend(r *Result, names []string) plot.Legend {
	leg := newLegend()
	for j, name := range names {
		leg.Add("instance "+name, thumbLine(lineStyle(j)))
	}
	addFaultLegend(&leg, r)
	return leg
}

// addFaultLegend adds a shaded entry per kind of fault and a line per
// kind of process event.
func addFaultLegend(leg *plot.Legend, r *Result) {
	var kinds []scenario.FaultType
	evs := map[string]bool{}
	for _, f := range r.Faults {
		if !containsKind(kinds, f.Type) {
			kinds = append(kinds, f.Type)
			poly, err := plotter.NewPolygon(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 0}, {X: 1, Y: 1}})
			if err == nil {
				poly.Color, poly.LineStyle.Width = shadeOf(r, f.Type), 0
				leg.Add(string(f.Type)+" window", poly)
			}
		}
		if start, stop, ok := events(f.Type); ok && !evs[start] {
			evs[start] = true
			leg.Add(start+" / "+stop, thumbLine(eventStyle))
		}
	}
}

func newLegend() plot.Legend {
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	return l
}

// thumbLine is a legend entry drawn as a line of the given style.
type thumbLine draw.LineStyle

// Thumbnail implements plot.Thumbnailer.
func (t thumbLine) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(draw.LineStyle(t), c.Min.X, y, c.Max.X, y)
}
