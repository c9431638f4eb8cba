package chaos

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Format is an image format of the plots.
type Format int

// The plot formats.
const (
	PNG Format = iota // PNG at 96 dpi, provenance in a tEXt chunk
	SVG               // SVG, provenance in a comment after the XML declaration
)

// shade is the fill of fault windows.
var shade = color.NRGBA{R: 255, G: 140, B: 0, A: 48}

// PlotTimeline draws r's timeline: throughput, error rate and p99 latency
// per interval, one line per variant, with the fault windows shaded.
func PlotTimeline(w io.Writer, r *Result, f Format) error {
	panels := []struct {
		title, unit string
		value       func(Point) float64
	}{
		{"throughput", "ok calls/s", func(p Point) float64 { return p.Throughput }},
		{"error rate", "% of calls ended", func(p Point) float64 { return p.ErrorRate * 100 }},
		{"p99 latency", "ms", func(p Point) float64 { return float64(p.P99) / 1e6 }},
	}
	var plots [][]*plot.Plot
	leg := newLegend()
	for i, pn := range panels {
		p, err := timelinePanel(r, pn.title+" — "+r.Scenario.Name, pn.unit, pn.value, ternary(i == 0, &leg, nil))
		if err != nil {
			return err
		}
		plots = append(plots, []*plot.Plot{p})
	}
	return render(w, r, f, 12*vg.Inch, 10*vg.Inch, plots, leg)
}

// timelinePanel plots value over time, one line per variant.
func timelinePanel(r *Result, title, unit string, value func(Point) float64, leg *plot.Legend) (*plot.Plot, error) {
	p := newPanel(r, title, unit)
	ymax := 0.0
	for _, vr := range r.Variants {
		for _, pt := range vr.Timeline {
			ymax = max(ymax, value(pt))
		}
	}
	shadeFaults(p, r, niceMax(ymax), leg)
	for j, vr := range r.Variants {
		xy := make(plotter.XYs, len(vr.Timeline))
		for k, pt := range vr.Timeline {
			xy[k] = plotter.XY{X: mid(pt), Y: value(pt)}
		}
		if err := addLine(p, xy, j, vr.Name, leg); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// PlotShares draws, for each variant, every instance's share of the calls
// started in each interval, with the fault windows shaded.
func PlotShares(w io.Writer, r *Result, f Format) error {
	names := make([]string, len(r.Scenario.Instances))
	for i, in := range r.Scenario.Instances {
		names[i] = in.Name
	}
	cols := min(len(r.Variants), 5)
	rows := (len(r.Variants) + cols - 1) / max(cols, 1)
	plots := make([][]*plot.Plot, rows)
	leg := newLegend()
	for i, vr := range r.Variants {
		p := newPanel(r, vr.Name, "share of calls started")
		shadeFaults(p, r, 1, ternary(i == 0, &leg, nil))
		for j, name := range names {
			xy := make(plotter.XYs, len(vr.Timeline))
			for k, pt := range vr.Timeline {
				xy[k] = plotter.XY{X: mid(pt), Y: pt.Shares[name]}
			}
			if err := addLine(p, xy, j, "instance "+name, ternary(i == 0, &leg, nil)); err != nil {
				return err
			}
		}
		plots[i/cols] = append(plots[i/cols], p)
	}
	for i := range plots {
		for len(plots[i]) < cols {
			plots[i] = append(plots[i], nil)
		}
	}
	return render(w, r, f, vg.Length(cols)*3.4*vg.Inch+legendWidth, vg.Length(rows)*2.8*vg.Inch, plots, leg)
}

func newPanel(r *Result, title, unit string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "seconds since the load started"
	p.Y.Label.Text = unit
	p.X.Min, p.X.Max = 0, r.Scenario.Load.Duration.D().Seconds()
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	return p
}

// legendWidth is the column on the right that holds the legend.
const legendWidth = 2.9 * vg.Inch

func newLegend() plot.Legend {
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	return l
}

func ternary[T any](cond bool, a, b T) T {
	if cond {
		return a
	}
	return b
}

// mid returns the middle of an interval, in seconds.
func mid(p Point) float64 { return (p.Start + p.End).Seconds() / 2 }

// niceMax returns a y-axis top above v.
func niceMax(v float64) float64 {
	if v <= 0 || math.IsNaN(v) {
		return 1
	}
	return v * 1.1
}

// shadeFaults shades each fault's window up to ymax and, when leg is not
// nil, names the shading in it.
func shadeFaults(p *plot.Plot, r *Result, ymax float64, leg *plot.Legend) {
	p.Y.Max = ymax
	for i, f := range r.Faults {
		from, to := window(f)
		x0, x1 := from.Seconds(), min(to, r.Scenario.Load.Duration.D()).Seconds()
		poly, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: 0}, {X: x1, Y: 0}, {X: x1, Y: ymax}, {X: x0, Y: ymax}})
		if err != nil {
			continue
		}
		poly.Color = shade
		poly.LineStyle.Width = 0
		p.Add(poly)
		if leg != nil && i == 0 {
			leg.Add("fault window", poly)
		}
	}
}

// addLine adds one series in the style of index i, named in leg unless
// it is nil.
func addLine(p *plot.Plot, xy plotter.XYs, i int, name string, leg *plot.Legend) error {
	l, err := plotter.NewLine(xy)
	if err != nil {
		return fmt.Errorf("chaos: plot %s: %w", name, err)
	}
	l.Color = plotutil.Color(i)
	l.Dashes = plotutil.Dashes(i / len(plotutil.DefaultColors))
	l.Width = vg.Points(1.3)
	p.Add(l)
	if leg != nil {
		leg.Add(name, l)
	}
	return nil
}

// render draws the plots tiled on one canvas of w×h, the legend in a column
// on the right, and writes it with the provenance embedded.
func render(out io.Writer, r *Result, f Format, w, h vg.Length, plots [][]*plot.Plot, leg plot.Legend) error {
	c, err := newCanvas(f, w, h)
	if err != nil {
		return err
	}
	dc := draw.New(c)
	leg.Draw(draw.Crop(dc, w-legendWidth+vg.Millimeter*2, 0, 0, -vg.Millimeter*6))
	dc = draw.Crop(dc, 0, -legendWidth, 0, 0)
	tiles := draw.Tiles{Rows: len(plots), Cols: len(plots[0]), PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		for j, p := range plots[i] {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return err
	}
	img, err := withProvenance(f, buf.Bytes(), strings.Join(r.Provenance.Lines(), "\n"))
	if err != nil {
		return err
	}
	_, err = out.Write(img)
	return err
}

func newCanvas(f Format, w, h vg.Length) (vg.CanvasWriterTo, error) {
	switch f {
	case PNG:
		return vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(96))}, nil
	case SVG:
		return vgsvg.New(w, h), nil
	}
	return nil, fmt.Errorf("chaos: unknown plot format %d", f)
}
