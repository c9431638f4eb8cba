package cluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc/xclient"
)

var threeSpecs = []InstanceSpec{{Name: "a"}, {Name: "b", Weight: 2}, {Name: "c"}}

// startTest starts a cluster on backend and closes it at the end of the test.
func startTest(t *testing.T, b Backend) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{Backend: b, Binary: testBinary, TTL: 3 * time.Second, Heartbeat: 300 * time.Millisecond}, threeSpecs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// echoFrom calls Echo on addr and returns the instance that answered.
func echoFrom(t *testing.T, addr string) (string, error) {
	t.Helper()
	d := xclient.NewMultiServerDiscovery([]string{addr})
	x := xclient.NewXClient(d, xclient.RandomSelect, nil)
	defer x.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var reply demo.EchoReply
	err := x.Call(ctx, "Echo.Echo", demo.EchoArgs{Nonce: 7}, &reply)
	return reply.Instance, err
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 30s", what)
		}
	}
}

func listed(t *testing.T, c *Cluster) []string {
	d := xclient.NewGeeRegistryDiscovery(c.Registry().URL(), 0)
	addrs, _ := d.GetAll()
	slices.Sort(addrs)
	return addrs
}

func TestInstancesAnswerUnderTheirNamesAndLiveAgain(t *testing.T) {
	for _, b := range []Backend{InProcess, Processes} {
		t.Run(b.String(), func(t *testing.T) {
			c := startTest(t, b)
			for _, in := range c.Instances() {
				if got, err := echoFrom(t, in.Addr()); err != nil || got != in.Name() {
					t.Fatalf("%s answered %q, %v", in.Name(), got, err)
				}
				if (in.Pid() != 0) != (b == Processes) {
					t.Errorf("%s: pid %d on backend %s", in.Name(), in.Pid(), b)
				}
			}
			a := c.Instance("a")
			a.Kill()
			if _, err := echoFrom(t, a.Addr()); err == nil {
				t.Fatal("a answered after Kill")
			}
			if err := a.Restart(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got, err := echoFrom(t, a.Addr()); err != nil || got != "a" {
				t.Fatalf("after Restart a answered %q, %v", got, err)
			}
			b := c.Instance("b")
			if err := b.Stop(context.Background(), time.Second); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "b leaves the registry", func() bool { return len(listed(t, c)) == 2 })
		})
	}
}

func TestRegistryGoesDownAndComesBack(t *testing.T) {
	for _, b := range []Backend{InProcess, Processes} {
		t.Run(b.String(), func(t *testing.T) {
			c := startTest(t, b)
			c.Registry().Down()
			if got := listed(t, c); len(got) != 0 {
				t.Fatalf("a downed registry listed %v", got)
			}
			if err := c.Registry().Up(context.Background()); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the registry lists all three again", func() bool { return len(listed(t, c)) == 3 })
		})
	}
}

func TestFrozenProcessAnswersNothingUntilThawed(t *testing.T) {
	c := startTest(t, Processes)
	a := c.Instance("a")
	if err := a.Freeze(); err != nil {
		t.Fatal(err)
	}
	// SIGSTOP stops the process's threads when each next runs, which a
	// loaded machine may delay past kill's return.
	waitFor(t, "every thread of the frozen process stopped", func() bool { return allStopped(a.Pid()) })
	if _, err := echoFrom(t, a.Addr()); err == nil {
		t.Fatal("a frozen instance answered")
	}
	waitFor(t, "the registry drops the frozen instance", func() bool { return len(listed(t, c)) == 2 })
	if err := a.Thaw(); err != nil {
		t.Fatal(err)
	}
	// Once on a machine loaded with busy loops, the first call after the
	// thaw was reset (its cause not found); the thawed instance must answer
	// soon, and every failure on the way is logged.
	waitFor(t, "the thawed instance answers", func() bool {
		got, err := echoFrom(t, a.Addr())
		if err != nil || got != "a" {
			t.Logf("thawed a answered %q, %v", got, err)
		}
		return err == nil && got == "a"
	})
	waitFor(t, "the thawed instance is listed again", func() bool { return len(listed(t, c)) == 3 })
	if err := c.Instance("b").Freeze(); err != nil { // Close must end a frozen child too
		t.Fatal(err)
	}
}

func TestInProcessRefusesSignals(t *testing.T) {
	c := startTest(t, InProcess)
	if err := c.Instance("a").Freeze(); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Freeze in process: %v, want ErrUnsupported", err)
	}
}

func TestCloseReapsEveryChildAndReleasesEveryPort(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{Backend: Processes, Binary: testBinary}, threeSpecs)
	if err != nil {
		t.Fatal(err)
	}
	kids, err := Children()
	if err != nil {
		t.Skip(err)
	}
	if len(kids) != 4 {
		t.Errorf("children while running: %v, want 4 (registry and three instances)", kids)
	}
	ports := []string{strings.TrimPrefix(strings.TrimSuffix(c.Registry().URL(), "/_geerpc_/registry"), "http://")}
	for _, in := range c.Instances() {
		ports = append(ports, in.Listen())
	}
	c.Close()
	if kids, _ := Children(); len(kids) != 0 {
		t.Errorf("children left after Close: %v", kids)
	}
	for _, p := range ports {
		lis, err := net.Listen("tcp", p)
		if err != nil {
			t.Errorf("port %s not released: %v", p, err)
			continue
		}
		_ = lis.Close()
	}
}

func TestStartRefusesBadSpecs(t *testing.T) {
	for _, specs := range [][]InstanceSpec{nil, {{Name: ""}}, {{Name: "a"}, {Name: "a"}}} {
		if _, err := Start(context.Background(), Options{}, specs); !errors.Is(err, ErrBadOptions) {
			t.Errorf("Start(%v) = %v, want ErrBadOptions", specs, err)
		}
	}
	if _, err := ParseBackend("docker"); !errors.Is(err, ErrBadOptions) {
		t.Errorf("ParseBackend(docker) = %v", err)
	}
}

// orphanEnv makes the test binary a harness that starts a process cluster,
// prints its children's ids and panics.
const orphanEnv = "GEERPC_CLUSTER_ORPHAN_TEST"

func orphanMain() {
	c, err := Start(context.Background(), Options{Backend: Processes, Binary: os.Getenv(orphanEnv)}, threeSpecs[:2])
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	kids, _ := Children()
	fmt.Println(strings.Trim(fmt.Sprint(kids), "[]"))
	_ = c
	panic("harness dies with its children running")
}

func TestChildrenDieWithTheHarness(t *testing.T) {
	if _, err := Children(); err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), orphanEnv+"="+testBinary)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	_ = cmd.Wait() // it panicked
	var pids []int
	for _, f := range strings.Fields(line) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("harness said %q", line)
		}
		pids = append(pids, pid)
	}
	if len(pids) != 3 {
		t.Fatalf("harness had children %v, want 3", pids)
	}
	waitFor(t, "the orphans die", func() bool {
		return !slices.ContainsFunc(pids, func(p int) bool { return alive(p) })
	})
}

// alive reports whether pid runs (a zombie awaiting its reaper is dead).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

// allStopped reports whether every thread of process pid is stopped (state
// T in /proc/pid/task/*/stat); true where /proc cannot tell.
func allStopped(pid int) bool {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return true
	}
	for _, task := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/stat", pid, task.Name()))
		if err != nil {
			return true
		}
		i := strings.LastIndexByte(string(b), ')') // the state follows the command's closing parenthesis
		if i < 0 || i+2 >= len(b) || b[i+2] != 'T' {
			return false
		}
	}
	return true
}
