package scenario_test

import (
	"go/build"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// harness is the module of the load, chaos and bench harness; the core
// (geerpc/...) is a module of its own.
const harness = "github.com/geerpclab/geerpc"

// allowed are the packages outside the standard library that a scenario
// may import: the core's balancing and fail mode names (xclient's parser is
// the one parser of them), the registry's weight limit, and the embedded
// built-in files.
var allowed = []string{
	harness + "/geerpc/xclient",
	harness + "/geerpc/registry",
	harness + "/chaos/scenarios",
}

// TestImportsNothingOfTheHarness keeps the scenario package pure: its own
// imports are the standard library and the packages above, none of them
// network or process code, and nothing it depends on, however indirectly,
// belongs to the harness (cluster, runner, Toxiproxy, etcd, plots).
func TestImportsNothingOfTheHarness(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		std := !strings.Contains(strings.Split(imp, "/")[0], ".")
		if (!std && !slices.Contains(allowed, imp)) || slices.Contains([]string{"net", "net/http", "os/exec", "syscall"}, imp) {
			t.Errorf("package scenario imports %s", imp)
		}
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{with .Module}}{{.Path}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, mod, _ := strings.Cut(line, " ")
		if mod != "" && mod != harness+"/geerpc" && path != harness+"/chaos/scenario" && !slices.Contains(allowed, path) {
			t.Errorf("package scenario depends on %s (module %s)", path, mod)
		}
	}
}
