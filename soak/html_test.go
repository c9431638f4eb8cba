package soak

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportsOfAnEmptyResultRender writes the reports of a soak that
// measured nothing: no panic, a page that says FAIL.
func TestReportsOfAnEmptyResultRender(t *testing.T) {
	r := &Result{Schema: SchemaVersion, Interrupted: true}
	r.Judge()
	dir := t.TempDir()
	if _, err := WriteReports(dir, r); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, FileIndex))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `<span class="st-fail">FAIL</span>`) || !strings.Contains(string(page), "Interrupted") {
		t.Errorf("the page of an empty, interrupted soak does not say FAIL and interrupted:\n%s", page)
	}
}
