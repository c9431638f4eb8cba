package chaos

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
)

// TestReportsOfEmptyOrZeroRunsRender writes the reports of a run with no
// variant, one whose timeline is empty, and one whose every interval is
// zero: no panic, every page written.
func TestReportsOfEmptyOrZeroRunsRender(t *testing.T) {
	zero := fixedResult()
	for i := range zero.Variants {
		for j := range zero.Variants[i].Timeline {
			pt := &zero.Variants[i].Timeline[j]
			*pt = Point{Start: pt.Start, End: pt.End, Shares: map[string]float64{}}
		}
	}
	empty := fixedResult()
	for i := range empty.Variants {
		empty.Variants[i].Timeline, empty.Variants[i].Windows = nil, nil
	}
	none := fixedResult()
	none.Variants, none.Faults, none.Verdicts = nil, nil, nil
	none.Scenario.Load.Duration = 0
	for name, r := range map[string]*Result{"zero": zero, "empty": empty, "none": none} {
		t.Run(name, func(t *testing.T) {
			r.Scenario.Name = name
			dir := t.TempDir()
			if _, err := WriteReports(dir, r); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{name + ".html", FileIndex, name + "-timeline.png", name + "-shares.svg"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestTimelineCSVMarksThePartialIntervalAndDividesByItsRealLength(t *testing.T) {
	r := fixedResult()
	vr := &r.Variants[0]
	vr.Timeline = append(vr.Timeline, Point{Start: 4 * time.Second, End: 4*time.Second + 250*time.Millisecond, Calls: 3, OK: 3})
	r.Scenario.Load.Duration = scenario.Duration(4*time.Second + 10*time.Millisecond)
	var b strings.Builder
	if err := WriteTimelineCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	var last string
	for _, l := range lines {
		if strings.HasPrefix(l, vr.Name+",4.000,") {
			last = l
		}
	}
	if want := "round-robin/failfast,4.000,4.250,3,3,0,300.000,0.000000,0.000,true"; last != want {
		t.Errorf("last interval\n got %s\nwant %s", last, want)
	}
	xy := timelineXY(r, vr.Timeline, metrics[0].value)
	if n := len(xy); n != 16 {
		t.Errorf("plotted %d intervals, want the 16 full ones", n)
	}
	if xy[0].Y != 40 {
		t.Errorf("first rate %v, want 40 calls/s (10 ok in 250ms)", xy[0].Y)
	}
}
