package scenario_test

import (
	"fmt"
	"strings"

	"github.com/geerpclab/geerpc/chaos/scenario"
)

// A scenario is rejected before anything starts, with the field named.
func ExampleDecode() {
	_, err := scenario.Decode(strings.NewReader(`{
		"name": "x",
		"instances": [{"name": "a"}, {"name": "b"}],
		"load": {"rate": 100, "duration": "30s", "timeout": "1s"},
		"faults": [{"type": "latency", "instances": ["b"], "start": "10s", "end": "40s", "latency": "50ms"}]
	}`))
	fmt.Println(err)
	// Output: geerpc: scenario "x": faults[0].window: ends at 40s, after the run's 30s
}
