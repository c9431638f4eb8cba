package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestProbeToxiproxy: a server that answers GET /version passes; one that
// does not, or nothing listening, is a usage error naming the flag.
func TestProbeToxiproxy(t *testing.T) {
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	if err := probeToxiproxy(t.Context(), "-toxiproxy", fakeToxiproxy(t)); err != nil {
		t.Fatalf("a Toxiproxy server refused: %v", err)
	}
	for raw, want := range map[string]string{
		other.URL:               "not a Toxiproxy server",
		"http://127.0.0.1:1":    "-toxiproxy http://127.0.0.1:1: unreachable",
		"http://127.0.0.1:1/%%": "-toxiproxy",
	} {
		err := probeToxiproxy(t.Context(), "-toxiproxy", raw)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(ue.msg, want) {
			t.Errorf("probeToxiproxy(%s) = %v, want a usage error naming %q", raw, err, want)
		}
	}
}

// fakeToxiproxy serves the one call of Toxiproxy's API that probeToxiproxy
// makes, until the test ends, and returns its URL.
func fakeToxiproxy(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("2.5.0")) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}
