package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/geerpclab/geerpc/internal/testserver"
)

// asGeerpc, set to 1 in its environment, makes the test binary run as the
// geerpc command itself, so that tests can start it as a real process.
const asGeerpc = "GEERPC_TEST_AS_GEERPC"

func TestMain(m *testing.M) {
	if os.Getenv(asGeerpc) == "1" {
		main()
	}
	goleak.VerifyTestMain(m, testserver.IgnoreToxiproxyStubs)
}

func TestBadCommandLinesExit2NamingTheProblem(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "no command", args: nil, want: "usage"},
		{name: "unknown command", args: []string{"nope"}, want: `unknown command "nope"`},
		{name: "help of an unknown command", args: []string{"help", "nope"}, want: `unknown command "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), tt.args, &stdout, &stderr); code != 2 {
				t.Fatalf("exit %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Fatalf("stderr %q does not name %q", stderr.String(), tt.want)
			}
		})
	}
}

// TestHelpListsEveryCommand: geerpc help, -h and --help (and the help of
// help) exit 0 and list every command with its summary on stdout.
func TestHelpListsEveryCommand(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"help", "help"}, {"-h", "-h"}} {
		arg := strings.Join(args, " ")
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), args, &stdout, &stderr); code != 0 {
			t.Fatalf("geerpc %s: exit %d: %s", arg, code, stderr.String())
		}
		for name, c := range commands {
			if !strings.Contains(stdout.String(), "  "+name+" ") || !strings.Contains(stdout.String(), c.summary) {
				t.Errorf("geerpc %s does not list %s:\n%s", arg, name, stdout.String())
			}
		}
	}
}

// TestEveryCommandsHelp: for every command, -h and geerpc help NAME exit 0
// with a help that starts with what the command does, then shows one
// example of it, the synopsis and the flags.
func TestEveryCommandsHelp(t *testing.T) {
	for name, c := range commands {
		for _, args := range [][]string{{name, "-h"}, {"help", name}} {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), args, &stdout, &stderr); code != 0 {
				t.Errorf("geerpc %s: exit %d", strings.Join(args, " "), code)
			}
			h := stderr.String()
			if first := "geerpc " + name + ": " + c.summary + ".\n"; !strings.HasPrefix(h, first) {
				t.Errorf("geerpc %s does not start with %q:\n%s", strings.Join(args, " "), first, h)
			}
			if _, ex, ok := strings.Cut(h, "\nexample:\n  "); !ok || !strings.HasPrefix(ex, "geerpc "+name+" ") {
				t.Errorf("geerpc %s shows no example of %s:\n%s", strings.Join(args, " "), name, h)
			}
			if !strings.Contains(h, "\nusage: geerpc "+name) || !strings.Contains(h, "\nflags:\n  -") {
				t.Errorf("geerpc %s lacks the synopsis or the flags:\n%s", strings.Join(args, " "), h)
			}
		}
	}
}

// process is geerpc run as a child process of the test.
type process struct {
	cmd      *exec.Cmd
	out, err *lineSink
	done     chan struct{} // closed when cmd.Wait returned
}

// startProcess starts the test binary as geerpc args; the test's cleanup
// kills it if it still runs and always reaps it.
func startProcess(t *testing.T, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(os.Args[0], args...), out: newLineSink(), err: newLineSink(), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), asGeerpc+"=1")
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.err
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// waitLine is background.waitLine for a process: it returns the first
// field after prefix of the first line of stdout starting with prefix.
func (p *process) waitLine(t *testing.T, prefix string) string {
	t.Helper()
	return p.waitIn(t, p.out, prefix)
}

// waitIn waits for a line of sink starting with prefix and returns the
// first field after prefix.
func (p *process) waitIn(t *testing.T, sink *lineSink, prefix string) string {
	t.Helper()
	timeout := time.After(waitFor)
	for {
		select {
		case l := <-sink.lines:
			if rest, ok := strings.CutPrefix(l, prefix); ok {
				return strings.Fields(rest + " .")[0]
			}
		case <-p.done:
			t.Fatalf("geerpc %v ended (%v) before printing %q: %s", p.cmd.Args[1:], p.cmd.ProcessState, prefix, p.err)
		case <-timeout:
			t.Fatalf("no line %q within %s: stdout %q, stderr %q", prefix, waitFor, p.out, p.err)
		}
	}
}

// terminate sends SIGTERM, as kill PID does, and returns the exit status.
func (p *process) terminate(t *testing.T) int {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(waitFor):
		t.Fatalf("geerpc %v still runs %s after SIGTERM", p.cmd.Args[1:], waitFor)
	}
	return -1
}

// TestSIGTERMStopsLikeCtrlC runs serve and load as real processes and
// stops each with SIGTERM: load prints its report, serve deregisters long
// before its registration would expire, and both exit 0.
func TestSIGTERMStopsLikeCtrlC(t *testing.T) {
	url := startCmd(t, "registry", "-addr", "127.0.0.1:0", "-ttl", "5m").waitLine(t, "registry ")
	srv := startProcess(t, "serve", "-registry", url, "-debug", "")
	addr := srv.waitLine(t, "serving ")
	waitListed(t, url, []string{addr})

	load := startProcess(t, "load", "-registry", url, "-c", "2", "-d", "0", "-interval", "100ms")
	load.waitIn(t, load.err, "load: Echo.Echo on 1 server(s)") // printed once the signals are handled
	if code := load.terminate(t); code != 0 {
		t.Errorf("load exit %d after SIGTERM: %s", code, load.err)
	}
	if !strings.Contains(load.out.String(), "latency") || !strings.Contains(load.out.String(), "outcomes") {
		t.Errorf("load printed no report after SIGTERM:\n%s", load.out)
	}

	if code := srv.terminate(t); code != 0 {
		t.Errorf("serve exit %d after SIGTERM: %s", code, srv.err)
	}
	waitListed(t, url, nil)
	if out := srv.out.String(); !strings.Contains(out, "deregistered\n") || !strings.HasSuffix(out, "stopped\n") {
		t.Errorf("serve did not deregister and stop: %q", out)
	}
}
