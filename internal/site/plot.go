package site

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// UsePlotFont makes gonum/plot draw in the sans-serif face that matches
// the pages' font. The packages that plot call it from their init.
func UsePlotFont() {
	plot.DefaultFont.Variant = "Sans"
	plotter.DefaultFont = plot.DefaultFont
}
