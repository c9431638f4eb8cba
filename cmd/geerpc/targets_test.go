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
	mux := http.NewServeMux()
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("2.5.0")) })
	toxi := httptest.NewServer(mux)
	defer toxi.Close()
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	if err := probeToxiproxy(t.Context(), "-toxiproxy", toxi.URL); err != nil {
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
