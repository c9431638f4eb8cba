package bench

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Figure is one rendered plot, written as Name.png and Name.svg under
// plots/, with the caption index.html shows beneath it.
type Figure struct {
	Name    string `json:"name"`
	Section string `json:"section"`
	Title   string `json:"title"`
	Caption string `json:"caption"` // what to read from it
}

// figureFunc builds one figure from a report; ok is false when the report
// lacks its cells.
type figureFunc func(r *Report) (p *plot.Plot, f Figure, ok bool, err error)

// figureFuncs are the report's figures, in page order.
var figureFuncs = []figureFunc{
	figPeersThroughput, figPeersP99,
	figThroughputConcurrency, figP99Concurrency, figOpenLoop,
	figTimeoutsSlow, figP99Slow, figSpectrumSlow, figSpectrumHealthy,
	figSharesUnequal, figSharesSlow,
}

// RenderPlots renders every figure the report has cells for into dir, as
// PNG and SVG, and returns them in page order.
func RenderPlots(dir string, r *Report) ([]Figure, error) {
	var figs []Figure
	for _, build := range figureFuncs {
		p, f, ok, err := build(r)
		if err != nil {
			return figs, fmt.Errorf("geerpc: bench: plot %s: %w", f.Name, err)
		}
		if !ok {
			continue
		}
		if err := save(p, dir, f.Name); err != nil {
			return figs, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// cellsOf returns the cells of an experiment, of one workload unless it is
// empty.
func cellsOf(r *Report, exp, workload string) []Cell {
	var out []Cell
	for _, c := range r.Cells {
		if c.Experiment == exp && (workload == "" || c.Workload == workload) {
			out = append(out, c)
		}
	}
	return out
}

// bySeries splits cells into one series per name (a mode, in plan order),
// with x and the Stat y of each cell.
func bySeries(cells []Cell, names []string, name func(Cell) string, x func(Cell) float64, y func(Cell) Stat) []series {
	var ss []series
	for _, n := range names {
		s := series{name: n}
		for _, c := range cells {
			if name(c) == n && c.Measured() {
				s.add(x(c), y(c))
			}
		}
		if len(s.x) > 0 {
			ss = append(ss, s)
		}
	}
	return ss
}

func modeOf(c Cell) string         { return c.Mode }
func inFlightOf(c Cell) float64    { return float64(c.InFlight) }
func throughputOf(c Cell) Stat     { return c.Throughput }
func p99Of(c Cell) Stat            { return c.P99 }
func slowByOf(c Cell) float64      { return ms(c.SlowBy) }
func timeoutPctOf(c Cell) Stat     { return scale(c.TimeoutRate, 100) }
func scale(s Stat, k float64) Stat { return Stat{s.Median * k, s.Min * k, s.Max * k} }

// distinctX returns the sorted distinct x values of the series.
func distinctX(ss []series) []float64 {
	var xs []float64
	for _, s := range ss {
		xs = append(xs, s.x...)
	}
	slices.Sort(xs)
	return slices.Compact(xs)
}

// lineFigure draws ss on a plot with a log-scale x axis at the points'
// values and a log or linear y axis.
func lineFigure(f Figure, xLabel, yLabel string, ss []series, logX, logY bool, yFormat func(float64) string) (*plot.Plot, Figure, bool, error) {
	if len(ss) == 0 {
		return nil, f, false, nil
	}
	p := newPlot(f.Title, xLabel, yLabel)
	if logX {
		p.X.Scale = plot.LogScale{}
	}
	p.X.Tick.Marker = fixedTicks(distinctX(ss))
	if logY {
		logAxis(&p.Y, yFormat)
	}
	return drawnFigure(p, f)(addLines(p, ss, logY))
}

// drawnFigure returns the result of a figure function for a plot on which
// addLines drew n lines: no figure when there is nothing to draw.
func drawnFigure(p *plot.Plot, f Figure) func(n int, err error) (*plot.Plot, Figure, bool, error) {
	return func(n int, err error) (*plot.Plot, Figure, bool, error) {
		if err != nil || n == 0 {
			return nil, f, false, err
		}
		return p, f, true, nil
	}
}

func figThroughputConcurrency(r *Report) (*plot.Plot, Figure, bool, error) {
	f := Figure{Name: "throughput-concurrency", Section: "modes",
		Title: fmt.Sprintf("Throughput vs calls in flight, three healthy instances (Work.Sleep %v)", r.Plan.Service),
		Caption: "One line per balancing mode; each point is the median of the rounds and its bar the slowest..fastest round. " +
			"Throughput first grows with the calls in flight (each call mostly waits out its service time), then flattens where the machine saturates: " +
			"client, servers and load generator share its cores. With healthy, equal instances the modes should lie on top of one another; a mode below the others pays for its picking."}
	ss := bySeries(cellsOf(r, ExpConcurrency, ""), r.Plan.Modes, modeOf, inFlightOf, throughputOf)
	return lineFigure(f, "calls in flight (closed loop, log scale)", "throughput (calls/s, log scale)", ss, true, true, plainNumber)
}

func figP99Concurrency(r *Report) (*plot.Plot, Figure, bool, error) {
	f := Figure{Name: "p99-concurrency", Section: "modes",
		Title: "p99 latency vs calls in flight, three healthy instances",
		Caption: "The 99th percentile of every call's latency, per mode (median of the rounds, bar: min..max). " +
			"Flat near the service time while the machine has room; once throughput stops growing, every extra call in flight only waits in a queue, so p99 grows in proportion to the calls in flight (Little's law)."}
	ss := bySeries(cellsOf(r, ExpConcurrency, ""), r.Plan.Modes, modeOf, inFlightOf, p99Of)
	return lineFigure(f, "calls in flight (closed loop, log scale)", "p99 latency (ms, log scale)", ss, true, true, plainNumber)
}

func figOpenLoop(r *Report) (*plot.Plot, Figure, bool, error) {
	f := Figure{Name: "open-loop-p99", Section: "modes",
		Title: "Open loop: p99 latency vs offered rate, three healthy instances",
		Caption: "Calls are sent at a fixed rate whatever the servers do, and each latency runs from the call's due time, so queueing is not hidden (coordinated omission corrected). " +
			"The rates are fractions of the best closed-loop throughput above. Read the knee: below it p99 stays near the service time; past saturation the queue, and p99, grow for as long as the run lasts, up to the timeout. " +
			"The pacer and the hand-off to workers cost CPU of their own on the same cores, so the open loop saturates below the closed loop's best; where the achieved rate (best-mode table) falls short of the offered one, the machine was saturated."}
	ss := bySeries(cellsOf(r, ExpOpen, ""), r.Plan.Modes, modeOf, func(c Cell) float64 { return math.Round(c.Rate) }, p99Of)
	if len(ss) == 0 {
		return nil, f, false, nil
	}
	p, f, ok, err := lineFigure(f, "offered rate (calls/s)", "p99 latency (ms, log scale)", ss, false, true, plainNumber)
	if ok {
		p.X.Tick.Marker = plainTicks{}
	}
	return p, f, ok, err
}

func figTimeoutsSlow(r *Report) (*plot.Plot, Figure, bool, error) {
	f := Figure{Name: "timeouts-slow", Section: "slow",
		Title: fmt.Sprintf("Calls timed out vs injected latency, one of three instances slowed (timeout %v, %d in flight)", r.Plan.Timeouts.Slow, r.Plan.FixedFlight),
		Caption: "The share of calls that hit the workload's fixed timeout as one instance of three is slowed. " +
			"A mode that ignores latency (random, round robin, weighted, consistent hash) keeps sending that instance its third of the calls, so once the injected latency passes the timeout about a third of all calls time out. " +
			"P2C steers away from the slow instance and should stay near zero."}
	ss := bySeries(cellsOf(r, ExpSlow, ""), r.Plan.Modes, modeOf, slowByOf, timeoutPctOf)
	p, f, ok, err := lineFigure(f, "latency injected into one instance (ms)", "calls timed out (%)", ss, false, false, nil)
	if ok {
		p.Y.Min, p.Y.Max, p.Y.Tick.Marker = 0, max(p.Y.Max, 1), plainTicks{}
	}
	return p, f, ok, err
}

func figP99Slow(r *Report) (*plot.Plot, Figure, bool, error) {
	f := Figure{Name: "p99-slow", Section: "slow",
		Title: fmt.Sprintf("p99 latency vs injected latency, one of three instances slowed (%d in flight)", r.Plan.FixedFlight),
		Caption: fmt.Sprintf("The p99 of all calls, timed-out ones counted at the time they ended. A mode that sends the slow instance more than 1%% of the calls has a p99 of that instance's latency, capped by the %v timeout. "+
			"The target compares P2C with round robin at 50ms: P2C's p99 must be at most a third of round robin's.", r.Plan.Timeouts.Slow)}
	ss := bySeries(cellsOf(r, ExpSlow, ""), r.Plan.Modes, modeOf, slowByOf, p99Of)
	return lineFigure(f, "latency injected into one instance (ms)", "p99 latency (ms, log scale)", ss, false, true, plainNumber)
}

// spectrumFigure plots the latency spectra of cells, one line per mode.
func spectrumFigure(r *Report, f Figure, cells []Cell) (*plot.Plot, Figure, bool, error) {
	var ss []series
	for _, c := range cells {
		s := series{name: c.Mode}
		for _, q := range c.Spectrum {
			if q.Percentile < 100 {
				s.x, s.y = append(s.x, 1/(1-q.Percentile/100)), append(s.y, q.Millis)
			}
		}
		if len(s.x) > 0 {
			ss = append(ss, s)
		}
	}
	if len(ss) == 0 {
		return nil, f, false, nil
	}
	p := newPlot(f.Title, "percentile (log scale of 1/(1-p))", "latency (ms, log scale)")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.ConstantTicks{{Value: 1, Label: "0%"}, {Value: 2, Label: "50%"}, {Value: 10, Label: "90%"},
		{Value: 100, Label: "99%"}, {Value: 1e3, Label: "99.9%"}, {Value: 1e4, Label: "99.99%"}, {Value: 1e5, Label: "99.999%"}}
	logAxis(&p.Y, plainNumber)
	return drawnFigure(p, f)(addLines(p, ss, true))
}

func figSpectrumSlow(r *Report) (*plot.Plot, Figure, bool, error) {
	w := slowSpectrumWorkload(r)
	f := Figure{Name: "spectrum-slow", Section: "slow",
		Title: fmt.Sprintf("Latency by percentile, one of three instances slowed by %s (%d in flight)", w[len("slow-"):], r.Plan.FixedFlight),
		Caption: "HdrHistogram's percentile spectrum of every call of all rounds: how slow the call at each percentile was. " +
			"A mode that gives the slow instance a third of the calls jumps near the 67th percentile to the injected latency (or the timeout); " +
			"the further right a line stays low, the smaller the share of calls that paid for the slow instance."}
	return spectrumFigure(r, f, cellsOf(r, ExpSlow, w))
}

// slowSpectrumWorkload is the slow workload the spectrum shows: 50ms if it
// ran, else the slowest that did.
func slowSpectrumWorkload(r *Report) string {
	var top time.Duration
	for _, c := range cellsOf(r, ExpSlow, "") {
		if c.SlowBy == 50*time.Millisecond {
			return c.Workload
		}
		top = max(top, c.SlowBy)
	}
	return fmt.Sprintf("slow-%dms", top.Milliseconds())
}

func figSpectrumHealthy(r *Report) (*plot.Plot, Figure, bool, error) {
	var cells []Cell
	for _, c := range cellsOf(r, ExpConcurrency, "") {
		if c.InFlight == r.Plan.FixedFlight {
			cells = append(cells, c)
		}
	}
	f := Figure{Name: "spectrum-healthy", Section: "modes",
		Title: fmt.Sprintf("Latency by percentile, three healthy instances (%d in flight)", r.Plan.FixedFlight),
		Caption: "The same spectrum with every instance healthy: the baseline the slowed spectrum departs from. " +
			"The lines should nearly coincide; the tail to the right is the machine's (scheduler, garbage collector), not the balancer's."}
	return spectrumFigure(r, f, cells)
}

// sharesFigure draws grouped bars: per mode, one bar per instance.
func sharesFigure(r *Report, f Figure, cells []Cell, label func(string) string) (*plot.Plot, Figure, bool, error) {
	if len(cells) == 0 {
		return nil, f, false, nil
	}
	insts := instancesOf(cells)
	p := newPlot(f.Title, "balancing mode", "share of calls (%)")
	w := vg.Points(60 / float64(max(len(insts), 1)))
	for i, inst := range insts {
		bars, err := plotter.NewBarChart(sharesOfInstance(cells, inst), w)
		if err != nil {
			return nil, f, false, err
		}
		bars.Color, bars.LineStyle.Width = plotutil.Color(i), 0
		bars.Offset = w * vg.Length(float64(i)-float64(len(insts)-1)/2)
		labels, err := shareLabels(bars.Values, bars.Offset)
		if err != nil {
			return nil, f, false, err
		}
		p.Add(bars, labels)
		p.Legend.Add(label(inst), bars)
	}
	names := make([]string, len(cells))
	for j, c := range cells {
		names[j] = c.Mode
	}
	p.NominalX(names...)
	p.Y.Min, p.Y.Max, p.Y.Tick.Marker = 0, p.Y.Max*1.12, plainTicks{}
	return p, f, true, nil
}

// shareLabels writes each bar's share above it, "0%" included, so that an
// instance that got no call is seen, not missed.
func shareLabels(vals plotter.Values, offset vg.Length) (*plotter.Labels, error) {
	xyl := plotter.XYLabels{XYs: make(plotter.XYs, len(vals)), Labels: make([]string, len(vals))}
	for j, v := range vals {
		xyl.XYs[j] = plotter.XY{X: float64(j), Y: v}
		xyl.Labels[j] = strconv.FormatFloat(v, 'f', 0, 64) + "%"
	}
	l, err := plotter.NewLabels(xyl)
	if err != nil {
		return nil, err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].XAlign, l.TextStyle[i].Font.Size = draw.XCenter, vg.Points(8)
	}
	l.Offset = vg.Point{X: offset, Y: vg.Points(2)}
	return l, nil
}

// instancesOf returns the sorted names of the instances of the cells.
func instancesOf(cells []Cell) []string {
	var insts []string
	for _, c := range cells {
		for _, s := range c.Shares {
			insts = append(insts, s.Instance)
		}
	}
	slices.Sort(insts)
	return slices.Compact(insts)
}

// sharesOfInstance returns the share of inst in each cell, in percent.
func sharesOfInstance(cells []Cell, inst string) plotter.Values {
	vals := make(plotter.Values, len(cells))
	for j, c := range cells {
		for _, s := range c.Shares {
			if s.Instance == inst {
				vals[j] = 100 * s.Share
			}
		}
	}
	return vals
}

func figSharesUnequal(r *Report) (*plot.Plot, Figure, bool, error) {
	cells := cellsOf(r, ExpUnequal, "")
	f := Figure{Name: "shares-unequal", Section: "unequal",
		Title: fmt.Sprintf("Share of calls per instance, unequal capacity (weights %s, %d in flight)", joinInts(r.Plan.Weights, ":"), r.Plan.FixedFlight),
		Caption: "Where the balancer sent the calls (counted from the XClient's call info). The instances' service times are inversely proportional to their weights. " +
			"Random and round robin split evenly whatever the capacity; weighted round robin follows the registered weights, and so does consistent hashing, which gives each instance ring points in proportion to its weight; P2C follows the measured latency and load."}
	if len(cells) == 0 {
		return nil, f, false, nil
	}
	lat := r.Plan.unequalLatency()
	label := func(inst string) string {
		var i int
		if _, err := fmt.Sscanf(inst, "i%d", &i); err == nil && i >= 1 && i <= len(lat) {
			return fmt.Sprintf("%s (weight %d, %v)", inst, r.Plan.Weights[i-1], r.Plan.Service+lat[i-1])
		}
		return inst
	}
	return sharesFigure(r, f, cells, label)
}

func figSharesSlow(r *Report) (*plot.Plot, Figure, bool, error) {
	w := slowSpectrumWorkload(r)
	f := Figure{Name: "shares-slow", Section: "slow",
		Title: fmt.Sprintf("Share of calls per instance, one of three slowed by %s (%d in flight)", w[len("slow-"):], r.Plan.FixedFlight),
		Caption: "Where the balancer sent the calls while i3 is slow, timed-out calls included (counted from the XClient's call info). " +
			"The share i3 still gets is the share of calls that pay its latency: past the timeout, the share that fails."}
	label := func(inst string) string {
		if inst == "i3" {
			return "i3 (slowed " + w[len("slow-"):] + ")"
		}
		return inst
	}
	return sharesFigure(r, f, cellsOf(r, ExpSlow, w), label)
}

// peerSeries splits the peer cells into one series per peer.
func peerSeries(r *Report, y func(PeerCell) Stat) []series {
	var ss []series
	for _, p := range Peers() {
		s := series{name: p.Name}
		for _, c := range r.Peers {
			if c.Peer == p.Name && c.Measured() {
				s.add(float64(c.Callers), y(c))
			}
		}
		if len(s.x) > 0 {
			ss = append(ss, s)
		}
	}
	return ss
}

func figPeersThroughput(r *Report) (*plot.Plot, Figure, bool, error) {
	f := Figure{Name: "peers-throughput", Section: "peers",
		Title: "Throughput vs callers: geerpc, net/rpc, grpc-go and the raw TCP ceiling (581-byte Echo)",
		Caption: "Each peer serves the same 581-byte Echo over one loopback connection shared by all callers (median of the rounds, bar: min..max). " +
			"The raw pipelined TCP echo is the ceiling: no codec, no headers. Read the distance between geerpc and net/rpc or grpc-go at 100 callers, where the targets are set, and between geerpc and the ceiling: what framing and encoding cost."}
	ss := peerSeries(r, func(c PeerCell) Stat { return c.Throughput })
	return lineFigure(f, "concurrent callers (log scale)", "throughput (calls/s, log scale)", ss, true, true, plainNumber)
}

func figPeersP99(r *Report) (*plot.Plot, Figure, bool, error) {
	f := Figure{Name: "peers-p99", Section: "peers",
		Title:   "p99 latency vs callers: geerpc, net/rpc, grpc-go and the raw TCP ceiling (581-byte Echo)",
		Caption: "The 99th percentile latency of the same runs. At one caller it is one round trip through the stack; with many callers it is mostly waiting in line for the one connection, so lower throughput shows as higher p99."}
	ss := peerSeries(r, func(c PeerCell) Stat { return c.P99 })
	return lineFigure(f, "concurrent callers (log scale)", "p99 latency (ms, log scale)", ss, true, true, plainNumber)
}
