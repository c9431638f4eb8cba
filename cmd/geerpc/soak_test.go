package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestSoakBadFlagsExit2NamingTheFlag(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "zero duration", args: []string{"-d", "0"}, want: "-d 0s"},
		{name: "fraction above 1", args: []string{"-fraction", "1.5"}, want: "-fraction 1.5"},
		{name: "negative gap", args: []string{"-gap", "-1s"}, want: "-window and -gap"},
		{name: "zero tolerance", args: []string{"-tolerance", "0"}, want: "-tolerance 0"},
		{name: "not a duration", args: []string{"-d", "ten"}, want: "-d"},
		{name: "stray argument", args: []string{"now"}, want: `unexpected argument "now"`},
		{name: "no workers", args: []string{"-max-workers", "0"}, want: "-max-workers 0"},
		{name: "warm-up shorter than a fault cycle", args: []string{"-warmup", "30s", "-window", "10s", "-gap", "5s"}, want: "warmup 30s is shorter than one fault cycle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), append([]string{"soak"}, tt.args...), &stdout, &stderr); code != 2 {
				t.Fatalf("exit %d, want 2; stderr %q", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Fatalf("stderr %q does not name %q", stderr.String(), tt.want)
			}
		})
	}
}

func TestSoakFlagsDefaultToTenMinutesAtSeventyPercent(t *testing.T) {
	c, err := parseSoakFlags(nil, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.opts.Duration.Minutes() != 10 || c.opts.Fraction != 0.7 || c.opts.Tolerance != 0.1 || c.out != "out/soak" {
		t.Fatalf("defaults %+v, out %q", c.opts, c.out)
	}
}
