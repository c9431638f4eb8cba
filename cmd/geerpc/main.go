// Command geerpc runs GeeRPC's registry, servers, load, chaos and benchmarks.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand and its help.
type command struct {
	// summary says what the command does, in one line: the list of
	// commands shows it and its help starts with it.
	summary string
	// about says more, in lines of at most 100 characters; may be empty.
	about string
	// example is one command line a user can type as it is.
	example string
	// usage is the synopsis after "geerpc "; empty means "NAME [flags]".
	usage string
	// more, when set, writes what the help shows after the example.
	more func(w io.Writer)
	run  func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands holds the subcommands; each file registers its own in init.
var commands = map[string]command{}

// usageError is a bad command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signalContext()
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// signalContext returns a context that ends on Ctrl-C (SIGINT) or SIGTERM,
// so that every command stops the same way on either: deregister, drain,
// report. It is the only place the command handles signals.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	if isHelp(args[0]) {
		return help(ctx, args[1:], stdout, stderr)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "geerpc: unknown command %q (try: geerpc help)\n", args[0])
		return 2
	}
	err := cmd.run(ctx, args[1:], stdout, stderr)
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "geerpc %s: %s\n", args[0], ue.msg)
		return 2
	default:
		fmt.Fprintf(stderr, "geerpc %s: %v\n", args[0], err)
		return 1
	}
}

// help runs "geerpc help [command]": the list of commands on stdout, or
// the command's own help, and exits 0.
func help(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || isHelp(args[0]) {
		usage(stdout)
		return 0
	}
	return run(ctx, []string{args[0], "-h"}, stdout, stderr)
}

// isHelp reports whether arg asks for help instead of naming a command.
func isHelp(arg string) bool {
	return arg == "help" || arg == "-h" || arg == "-help" || arg == "--help"
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "geerpc runs GeeRPC's registry, demo servers, load, chaos, soak and benchmarks on loopback.")
	fmt.Fprintln(w, "\nexample:\n  geerpc bench -size quick\n\nusage: geerpc <command> [flags]; geerpc help <command> for its help\n\ncommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-9s %s\n", name, commands[name].summary)
	}
}

// parseFlags parses args into fs; a bad flag becomes a usageError naming it.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.Usage = func() { printHelp(fs) }
	var buf strings.Builder
	fs.SetOutput(&buf)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stderr)
		fs.Usage()
		return err
	}
	if err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// printHelp writes the help of the command fs parses: what it does, an
// example, the synopsis and the flags.
func printHelp(fs *flag.FlagSet) {
	w, c := fs.Output(), commands[fs.Name()]
	fmt.Fprintf(w, "geerpc %s: %s.\n", fs.Name(), c.summary)
	if c.about != "" {
		fmt.Fprintf(w, "%s\n", strings.TrimRight(c.about, "\n"))
	}
	if c.example != "" {
		fmt.Fprintf(w, "\nexample:\n  %s\n", c.example)
	}
	if c.more != nil {
		c.more(w)
	}
	fmt.Fprintf(w, "\nusage: geerpc %s\n\nflags:\n", cmp.Or(c.usage, fs.Name()+" [flags]"))
	fs.PrintDefaults()
}
