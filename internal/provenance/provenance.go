package provenance

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// Info is the provenance of one run. Its JSON form is part of the loadgen
// report schema; fields are only ever added.
type Info struct {
	GoVersion  string    `json:"go_version"` // runtime.Version()
	OS         string    `json:"os"`         // runtime.GOOS
	Arch       string    `json:"arch"`       // runtime.GOARCH
	CPU        string    `json:"cpu"`        // model name from /proc/cpuinfo, "unknown" elsewhere
	NumCPU     int       `json:"num_cpu"`    // runtime.NumCPU()
	GOMAXPROCS int       `json:"gomaxprocs"` // runtime.GOMAXPROCS(0)
	Commit     string    `json:"commit"`     // git commit, "-dirty" appended when the tree has changes; "unknown" if none
	Date       time.Time `json:"date"`       // when Collect ran, UTC
	Command    []string  `json:"command"`    // os.Args as a user types them (see userCommand)
}

// Collect gathers the provenance of the current process. It runs git (bounded
// by ctx and a short timeout) to find the commit and falls back on the build's
// VCS information.
func Collect(ctx context.Context) Info {
	return Info{
		GoVersion:  runtime.Version(),
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
		CPU:        cpuModel("/proc/cpuinfo"),
		NumCPU:     runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		Commit:     commit(ctx),
		Date:       time.Now().UTC().Truncate(time.Second),
		Command:    userCommand(os.Args),
	}
}

// userCommand returns args with the program named as a user would type
// it: "go run ./cmd/NAME" for a binary go run built (in a temporary
// go-build directory, or cached in the go-build cache), the program's base
// name otherwise, never a build path.
func userCommand(args []string) []string {
	if len(args) == 0 || args[0] == "" {
		return args
	}
	prog := filepath.ToSlash(args[0])
	name := strings.TrimSuffix(path.Base(prog), ".exe")
	head := []string{name}
	if strings.Contains(prog, "/go-build") {
		head = []string{"go", "run", "./cmd/" + name}
	}
	return append(head, args[1:]...)
}

// CommandLine returns Command as one line, each argument quoted when it holds
// spaces or shell metacharacters, the program named as a user types it even
// when an older record kept a build path.
func (i Info) CommandLine() string {
	cmd := userCommand(i.Command)
	parts := make([]string, len(cmd))
	for k, a := range cmd {
		parts[k] = shellQuote(a)
	}
	return strings.Join(parts, " ")
}

// Lines returns the provenance as "key: value" lines, in a fixed order.
func (i Info) Lines() []string {
	return []string{
		"go: " + i.GoVersion + " " + i.OS + "/" + i.Arch,
		"cpu: " + i.CPU,
		fmt.Sprintf("cpus: %d, GOMAXPROCS: %d", i.NumCPU, i.GOMAXPROCS),
		"commit: " + i.Commit,
		"date: " + i.Date.Format(time.RFC3339),
		"command: " + i.CommandLine(),
	}
}

// WriteHeader writes Lines to w, each preceded by prefix (such as "# ").
func (i Info) WriteHeader(w io.Writer, prefix string) error {
	for _, l := range i.Lines() {
		if _, err := fmt.Fprintf(w, "%s%s\n", prefix, l); err != nil {
			return err
		}
	}
	return nil
}

// cpuModel returns the first "model name" in the cpuinfo file at path.
func cpuModel(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(val)
		}
	}
	return "unknown"
}

// commit asks git first, then the build information.
func commit(ctx context.Context) string {
	if c := gitCommit(ctx); c != "" {
		return c
	}
	if c := buildCommit(); c != "" {
		return c
	}
	return "unknown"
}

// gitCommit returns HEAD of the working directory's repository.
func gitCommit(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	c := string(bytes.TrimSpace(out))
	// --no-optional-locks: status takes no index.lock, so a git killed at
	// the timeout leaves none behind to block the user's next commit.
	st, err := exec.CommandContext(ctx, "git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no").Output()
	if err == nil && len(bytes.TrimSpace(st)) > 0 {
		c += "-dirty"
	}
	return c
}

// buildCommit returns the vcs.revision stamped into the binary, if any.
func buildCommit() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev == "" {
		return ""
	}
	return rev + dirty
}

// shellQuote quotes s for a POSIX shell when needed.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`&|;<>()*?[]{}!#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
