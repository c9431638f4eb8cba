package site

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// UsePlotFont makes gonum/plot draw in the sans-serif face that matches
// the pages' font. The packages that plot call it from their init.
func UsePlotFont() {
	plot.DefaultFont.Variant = "Sans"
	plotter.DefaultFont = plot.DefaultFont
}

// StepTicks labels an axis at a round step (1, 2, 2.5 or 5 times a power of
// ten) chosen so that about target ticks are labelled, with an unlabelled
// tick halfway between.
type StepTicks struct{ Target int }

// Ticks implements plot.Ticker.
func (t StepTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []plot.Tick{{Value: lo, Label: FormatTick(lo, 1)}}
	}
	step := roundStep((hi - lo) / float64(max(t.Target, 1)))
	var ts []plot.Tick
	for k := math.Ceil(lo/step*2) / 2; k*step <= hi+step*1e-9; k += 0.5 {
		v := k * step
		label := ""
		if k == math.Trunc(k) {
			label = FormatTick(v, step)
		}
		ts = append(ts, plot.Tick{Value: v, Label: label})
		if len(ts) > 1000 {
			break
		}
	}
	return ts
}

// roundStep returns the smallest of 1, 2, 2.5 or 5 times a power of ten
// at least v.
func roundStep(v float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*e >= v*0.999 {
			return m * e
		}
	}
	return 10 * e
}

// FormatTick prints v with as many decimals as step needs, "k" for
// thousands.
func FormatTick(v, step float64) string {
	if math.Abs(v) >= 1e4 && step >= 1e3 {
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
	dec := 0
	for ; dec < 6 && math.Abs(step*math.Pow(10, float64(dec))-math.Round(step*math.Pow(10, float64(dec)))) > 1e-6; dec++ {
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}
