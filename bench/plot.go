package bench

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/geerpclab/geerpc/internal/site"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Plot geometry: 9 by 4.5 inches, the legend in a column at the right so
// that it never hides a line, PNG at 144 dots per inch.
const (
	plotWidth   = 9 * vg.Inch
	plotHeight  = 4.5 * vg.Inch
	legendWidth = 2.4 * vg.Inch
	plotDPI     = 144
)

func init() { site.UsePlotFont() }

// series is one line of a plot: a name for the legend and its points, with
// optional spreads (the min..max of the rounds).
type series struct {
	name     string
	x, y     []float64
	low, top []float64 // absolute bounds of each point; nil means no error bars
}

// add appends a point with its spread.
func (s *series) add(x float64, st Stat) {
	s.x, s.y = append(s.x, x), append(s.y, st.Median)
	s.low, s.top = append(s.low, st.Min), append(s.top, st.Max)
}

// newPlot returns a plot with the title and axis labels set.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(11) // a long title stays within the plot's width
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Add(plotter.NewGrid())
	return p
}

// addLines draws each series as a line with points and error bars, in the
// colours and shapes of plotutil, and names it in the legend. It returns
// how many lines it drew: none when no series has a point to draw.
func addLines(p *plot.Plot, ss []series, logY bool) (int, error) {
	drawn := 0
	for i, s := range ss {
		xys, errs := pointsOf(s, logY)
		if len(xys) == 0 {
			continue
		}
		drawn++
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return drawn, err
		}
		line.Color, points.Color, points.Shape = plotutil.Color(i), plotutil.Color(i), plotutil.Shape(i)
		line.Dashes = plotutil.Dashes(i)
		p.Add(line, points)
		p.Legend.Add(s.name, line, points)
		if errs != nil {
			eb, err := plotter.NewYErrorBars(errPoints{xys, errs})
			if err != nil {
				return drawn, err
			}
			eb.Color = plotutil.Color(i)
			p.Add(eb)
		}
	}
	if logY && p.Y.Min > 0 {
		p.Y.Min, p.Y.Max = floor125(p.Y.Min), ceil125(p.Y.Max)
	}
	return drawn, nil
}

// pointsOf returns the points of s and their error bars (nil without
// spreads). A log axis gets no point at or below zero: such a point is
// left out, and a spread reaching zero is cut at the point.
func pointsOf(s series, logY bool) (plotter.XYs, plotter.YErrors) {
	xys := make(plotter.XYs, 0, len(s.x))
	var errs plotter.YErrors
	for j := range s.x {
		y := s.y[j]
		if logY && !(y > 0) || math.IsNaN(y) || math.IsInf(y, 0) {
			continue
		}
		xys = append(xys, plotter.XY{X: s.x[j], Y: y})
		if s.low != nil {
			low := min(s.low[j], y)
			if logY && !(low > 0) {
				low = y
			}
			errs = append(errs, struct{ Low, High float64 }{y - low, max(s.top[j], y) - y})
		}
	}
	return xys, errs
}

// floor125 rounds v > 0 down to 1, 2 or 5 times a power of ten, and
// ceil125 up, so that a log axis ends on labelled ticks.
func floor125(v float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{5, 2, 1} {
		if m*e <= v*1.0001 {
			return m * e
		}
	}
	return e
}

func ceil125(v float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5} {
		if m*e >= v*0.9999 {
			return m * e
		}
	}
	return 10 * e
}

// errPoints pairs points with their Y errors for plotter.NewYErrorBars.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// logAxis makes an axis logarithmic with ticks at 1, 2 and 5 of each decade.
func logAxis(a *plot.Axis, format func(float64) string) {
	a.Scale = plot.LogScale{}
	a.Tick.Marker = logTicks{format}
}

// logTicks marks 1, 2 and 5 of every decade, labelled, and the other
// integers unlabelled.
type logTicks struct{ format func(float64) string }

// Ticks implements plot.Ticker.
func (t logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	if lo <= 0 || hi <= 0 {
		return ticks
	}
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for m := 1.0; m < 10; m++ {
			v := m * math.Pow(10, e)
			if v < lo*0.999 || v > hi*1.001 {
				continue
			}
			label := ""
			if m == 1 || m == 2 || m == 5 {
				label = t.format(v)
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
	}
	return ticks
}

// plainNumber formats tick values: 0.5, 20, 1000, 20k.
func plainNumber(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case v >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// plainTicks label a linear axis at a round step, about six labels.
type plainTicks struct{}

// Ticks implements plot.Ticker.
func (plainTicks) Ticks(lo, hi float64) []plot.Tick { return site.StepTicks{Target: 6}.Ticks(lo, hi) }

// fixedTicks marks exactly the given values, labelled.
func fixedTicks(vs []float64) plot.ConstantTicks {
	var ts plot.ConstantTicks
	for _, v := range vs {
		ts = append(ts, plot.Tick{Value: v, Label: plainNumber(v)})
	}
	return ts
}

// save writes p as name.png and name.svg in dir.
func save(p *plot.Plot, dir, name string) error {
	img := vgimg.NewWith(vgimg.UseWH(plotWidth, plotHeight), vgimg.UseDPI(plotDPI))
	drawWithLegend(p, draw.New(img))
	if err := writeTo(filepath.Join(dir, name+".png"), vgimg.PngCanvas{Canvas: img}); err != nil {
		return err
	}
	svg := vgsvg.New(plotWidth, plotHeight)
	drawWithLegend(p, draw.New(svg))
	return writeTo(filepath.Join(dir, name+".svg"), svg)
}

// drawWithLegend draws p on the left of c and its legend in the column at
// the right, level with the top of the plot area.
func drawWithLegend(p *plot.Plot, c draw.Canvas) {
	leg := p.Legend
	p.Legend = plot.NewLegend()
	defer func() { p.Legend = leg }()
	p.Draw(draw.Crop(c, 0, -legendWidth, 0, 0))
	leg.Top, leg.Left = true, true
	leg.TextStyle.Font.Size = vg.Points(10)
	titleSpace := -p.Title.TextStyle.Height(p.Title.Text) - p.Title.Padding - 4
	leg.Draw(draw.Crop(c, plotWidth-legendWidth+8, 0, 0, titleSpace))
}

func writeTo(path string, c io.WriterTo) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("geerpc: bench: %w", err)
	}
	if _, err := c.WriteTo(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("geerpc: bench: writing %s: %w", path, err)
	}
	return f.Close()
}
