package chaos

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/geerpclab/geerpc/internal/site"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

func init() { site.UsePlotFont() }

// Format is an image format of the plots.
type Format int

// The plot formats.
const (
	PNG Format = iota // PNG at 96 dpi, provenance in a tEXt chunk
	SVG               // SVG, provenance in a comment after the XML declaration
)

// metric is one quantity of the timeline, drawn in a column of panels.
type metric struct {
	title, unit string
	value       func(p Point, secs float64) (float64, bool) // false: no figure in this interval
}

// metrics are the timeline's columns. A rate is the interval's ok calls
// over its real length; an interval without calls has no error rate and no
// p99.
var metrics = []metric{
	{"throughput", "ok calls/s", func(p Point, secs float64) (float64, bool) { return float64(p.OK) / secs, true }},
	{"error rate", "% of calls ended", func(p Point, _ float64) (float64, bool) {
		return 100 * float64(p.Calls-p.OK) / float64(max(p.Calls, 1)), p.Calls > 0
	}},
	{"p99 latency", "ms", func(p Point, _ float64) (float64, bool) { return float64(p.P99) / 1e6, p.Calls > 0 }},
}

// PlotTimeline draws r's timeline as small multiples: a row of panels per
// balancing mode (throughput, error rate, p99 per interval), a line per
// fail mode, every fault window shaded and labelled with its kind and
// targets, kills and restarts as labelled vertical lines. Intervals
// shorter than half the others (the run's tail) are left out. With one
// balancing mode the three panels are stacked, full width.
func PlotTimeline(w io.Writer, r *Result, f Format) error {
	modes, fails := modesOf(r)
	stacked := len(modes) == 1
	rows := make([][]*plot.Plot, 0, len(modes)*len(metrics))
	for _, mode := range modes {
		var row []*plot.Plot
		for _, m := range metrics {
			title := m.title
			if !stacked {
				title = mode + ": " + m.title
			}
			p, err := metricPanel(r, mode, fails, m, title)
			if err != nil {
				return err
			}
			row = append(row, p)
		}
		if stacked {
			for _, p := range row {
				rows = append(rows, []*plot.Plot{p})
			}
			continue
		}
		rows = append(rows, row)
	}
	if stacked {
		for _, row := range rows {
			row[0].Y.Max = niceMax(row[0].Y.Max)
		}
	} else {
		shareY(rows)
	}
	timeOnlyBelow(rows)
	labelTopRow(r, rows)
	leg := timelineLegend(r, fails, stacked)
	wd, ht := 13*vg.Inch, vg.Length(len(rows))*2.4*vg.Inch
	if stacked {
		wd, ht = 14*vg.Inch, 9*vg.Inch
	}
	return render(w, r, f, wd, ht, rows, leg)
}

// metricPanel draws one metric of one balancing mode, a line per fail mode.
func metricPanel(r *Result, mode string, fails []string, m metric, title string) (*plot.Plot, error) {
	p := newPanel(r, title, m.unit)
	p.Add(&faultMarks{r: r})
	p.Y.Max = 0 // the highest value drawn, for shareY
	for i, fail := range fails {
		vr, ok := variantOf(r, mode, fail)
		if !ok {
			continue
		}
		xy := timelineXY(r, vr.Timeline, m.value)
		for _, pt := range xy {
			p.Y.Max = max(p.Y.Max, pt.Y)
		}
		if err := addLine(p, xy, i, vr.Name); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// timelineXY returns the points of a timeline with a figure, each at the
// middle of its interval; intervals shorter than half the nominal one are
// left out, and a rate is divided by the interval's real length (it ends
// at the end of the load at the latest).
func timelineXY(r *Result, tl []Point, value func(Point, float64) (float64, bool)) plotter.XYs {
	iv := nominalInterval(tl)
	end := loadEnd(r)
	xy := make(plotter.XYs, 0, len(tl))
	for _, pt := range tl {
		real := min(pt.End, end) - pt.Start
		if real <= 0 || real < iv/2 {
			continue
		}
		v, ok := value(pt, real.Seconds())
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		xy = append(xy, plotter.XY{X: (pt.Start + real/2).Seconds(), Y: v})
	}
	return xy
}

// nominalInterval is the length of a timeline's first interval.
func nominalInterval(tl []Point) time.Duration {
	if len(tl) == 0 {
		return 0
	}
	return tl[0].End - tl[0].Start
}

// loadEnd is when the load stopped: the planned duration, or the last
// interval's end when the run has none.
func loadEnd(r *Result) time.Duration {
	if r.Scenario != nil && r.Scenario.Load.Duration > 0 {
		return r.Scenario.Load.Duration.D()
	}
	var end time.Duration
	for _, vr := range r.Variants {
		if n := len(vr.Timeline); n > 0 {
			end = max(end, vr.Timeline[n-1].End)
		}
	}
	return end
}

// modesOf returns the balancing modes and the fail modes of r's variants,
// in the order they first appear.
func modesOf(r *Result) (modes, fails []string) {
	for _, vr := range r.Variants {
		mode, fail := splitVariant(vr)
		if !contains(modes, mode) {
			modes = append(modes, mode)
		}
		if !contains(fails, fail) {
			fails = append(fails, fail)
		}
	}
	if len(modes) == 0 {
		modes, fails = []string{"(no variant)"}, []string{""}
	}
	return modes, fails
}

// splitVariant returns a variant's balancing mode and fail mode, read from
// its name when the fields are empty.
func splitVariant(vr VariantResult) (mode, fail string) {
	mode, fail = vr.Mode, vr.FailMode
	if mode == "" {
		mode, fail, _ = strings.Cut(vr.Name, "/")
	}
	return mode, fail
}

func variantOf(r *Result, mode, fail string) (VariantResult, bool) {
	for _, vr := range r.Variants {
		if m, f := splitVariant(vr); m == mode && f == fail {
			return vr, true
		}
	}
	return VariantResult{}, false
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// labelTopRow labels the fault windows and events on the top row of
// panels, over the lines; the rows below share their x axis and shading.
func labelTopRow(r *Result, rows [][]*plot.Plot) {
	if len(rows) == 0 {
		return
	}
	for _, p := range rows[0] {
		if p != nil {
			p.Add(&faultMarks{r: r, labels: true})
		}
	}
}

// timeOnlyBelow names the time axis on the bottom row of panels only.
func timeOnlyBelow(rows [][]*plot.Plot) {
	for _, row := range rows[:max(len(rows)-1, 0)] {
		for _, p := range row {
			if p != nil {
				p.X.Label.Text = ""
			}
		}
	}
}

// shareY gives the panels of each column the same y range, from zero to
// a little above the column's highest value (each panel's Y.Max holds its
// own), so that rows compare.
func shareY(rows [][]*plot.Plot) {
	if len(rows) == 0 {
		return
	}
	for j := range rows[0] {
		top := 0.0
		for _, row := range rows {
			if j < len(row) && row[j] != nil {
				top = max(top, row[j].Y.Max)
			}
		}
		for _, row := range rows {
			if j < len(row) && row[j] != nil {
				row[j].Y.Min, row[j].Y.Max = 0, niceMax(top)
			}
		}
	}
}

// PlotShares draws, for each variant, every instance's share of the calls
// started in each interval: a row of panels per balancing mode, a column
// per fail mode, the fault windows shaded and labelled. A share of zero is
// drawn on the axis, which is labelled from 0%.
func PlotShares(w io.Writer, r *Result, f Format) error {
	modes, fails := modesOf(r)
	names := instanceNames(r)
	rows := make([][]*plot.Plot, len(modes))
	for i, mode := range modes {
		for _, fail := range fails {
			vr, ok := variantOf(r, mode, fail)
			if !ok {
				rows[i] = append(rows[i], nil)
				continue
			}
			p := newPanel(r, vr.Name, "% of calls started")
			p.Add(&faultMarks{r: r})
			for j, name := range names {
				xy := timelineXY(r, vr.Timeline, func(pt Point, _ float64) (float64, bool) {
					return 100 * pt.Shares[name], pt.Calls > 0 || len(pt.Shares) > 0
				})
				if err := addLine(p, xy, j, "instance "+name); err != nil {
					return err
				}
			}
			p.Y.Min, p.Y.Max, p.Y.Tick.Marker = 0, 105, plot.ConstantTicks(percentTicks())
			rows[i] = append(rows[i], p)
		}
	}
	timeOnlyBelow(rows)
	labelTopRow(r, rows)
	leg := sharesLegend(r, names)
	return render(w, r, f, vg.Length(max(len(fails), 2))*5.2*vg.Inch+legendWidth, vg.Length(len(modes))*2.4*vg.Inch, rows, leg)
}

func percentTicks() []plot.Tick {
	var ts []plot.Tick
	for v := 0; v <= 100; v += 25 {
		ts = append(ts, plot.Tick{Value: float64(v), Label: fmt.Sprintf("%d%%", v)})
	}
	return ts
}

// instanceNames lists the scenario's instances, or those the timelines
// name when the scenario does not.
func instanceNames(r *Result) []string {
	var names []string
	if r.Scenario != nil {
		for _, in := range r.Scenario.Instances {
			names = append(names, in.Name)
		}
	}
	if len(names) > 0 {
		return names
	}
	for _, vr := range r.Variants {
		for _, pt := range vr.Timeline {
			for name := range pt.Shares {
				if !contains(names, name) {
					names = append(names, name)
				}
			}
		}
	}
	return names
}

// newPanel returns a panel with the time axis of r: from zero to the end
// of the load, ticked every few seconds.
func newPanel(r *Result, title, unit string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.X.Label.Text = "seconds since the load started"
	p.Y.Label.Text = unit
	p.X.Min, p.X.Max = 0, max(loadEnd(r).Seconds(), 1)
	p.X.Tick.Marker = site.StepTicks{Target: 10}
	p.Y.Min, p.Y.Max = 0, 1
	p.Y.Tick.Marker = site.StepTicks{Target: 5}
	p.Add(plotter.NewGrid())
	return p
}

// legendWidth is the column on the right that holds the legend.
const legendWidth = 2.4 * vg.Inch

// niceMax returns a y-axis top a little above v, 1 when v is not positive.
func niceMax(v float64) float64 {
	if !(v > 0) || math.IsInf(v, 0) {
		return 1
	}
	return v * 1.35 // room for the fault labels at the top
}

// addLine adds one series in the style of index i.
func addLine(p *plot.Plot, xy plotter.XYs, i int, name string) error {
	if len(xy) == 0 {
		return nil
	}
	l, err := plotter.NewLine(xy)
	if err != nil {
		return fmt.Errorf("geerpc: chaos: plot %s: %w", name, err)
	}
	l.LineStyle = lineStyle(i)
	p.Add(l)
	return nil
}

// lineStyle is the style of the i-th series: a colour of its own, solid
// for the first colours' round, dashed after.
func lineStyle(i int) draw.LineStyle {
	return draw.LineStyle{Color: plotutil.Color(i), Width: vg.Points(1.6),
		Dashes: plotutil.Dashes(i / len(plotutil.DefaultColors))}
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
	if len(plots) > 0 && len(plots[0]) > 0 {
		tiles := draw.Tiles{Rows: len(plots), Cols: len(plots[0]), PadX: vg.Millimeter * 6, PadY: vg.Millimeter * 5,
			PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
		canvases := plot.Align(plots, tiles, dc)
		for i := range plots {
			for j, p := range plots[i] {
				if p != nil {
					p.Draw(canvases[i][j])
				}
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
	return nil, fmt.Errorf("geerpc: chaos: unknown plot format %d", f)
}
