package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// TestApplyFile: OSCAR's mask-detector workflow imported with its two scripts, reviewed and applied
// whole. Each create takes a second in the fake OSCAR, so the status page is seen running: with
// JavaScript it refreshes itself, without it the Refresh link is followed.
func TestApplyFile(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newConsole(t, consoleOptions{OSCAR: func(o *oscartest.Options) { o.CreateDelay = time.Second }})
			tb := newTab(t, c, m.js)
			tb.signInOIDC()
			tb.applyFileFlow()
		})
	}
}

// applyFileFlow imports the workflow, opens its Review and applies it.
func (tb *tab) applyFileFlow() {
	tb.t.Helper()
	t := tb.t
	dir, err := oscartest.FDLExamplesDir()
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join(dir, "mask-detector-workflow.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var scripts []string
	for _, name := range []string{"blurry-faces.sh", "mask-detector.sh"} {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\necho "+name+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		scripts = append(scripts, p)
	}
	tb.open("/services/import")
	tb.set("#f-fdl", string(text))
	tb.do("choose scripts", chromedp.SetUploadFiles(chromedp.CSS("#f-scripts"), scripts, chromedp.NodeReady))
	if st := tb.click(`[data-testid="import"]`); st != 200 {
		tb.fatalf("import: status %d", st)
	}
	tb.mustSee(`[data-testid="import-choices"]`)
	tb.screen("import-choose")
	if st := tb.click(`[data-testid="review-file"]`); st != 200 {
		tb.fatalf("file review: status %d", st)
	}
	if got := tb.count(`[data-testid="file-steps"] > li`); got != 2 {
		tb.fatalf("%d services on the Review, want 2", got)
	}
	if ch := tb.text(`[data-testid="file-chains"]`); !strings.Contains(ch, "mask-detector/intermediate") {
		t.Errorf("chains = %q", ch)
	}
	tb.screen("import-file-review")
	if st := tb.click(`[data-testid="apply-file"]`); st != 200 {
		tb.fatalf("apply: status %d", st)
	}
	if !strings.HasPrefix(tb.path(), "/services/import/apply/") {
		tb.fatalf("apply led to %s", tb.path())
	}
	tb.mustSee(`[data-testid="apply-running"]`)
	tb.screen("import-apply-running")
	deadline := time.Now().Add(30 * time.Second)
	for tb.js && !tb.applyFinished() || !tb.js && tb.count(`[data-testid="apply-running"]`) > 0 {
		if time.Now().After(deadline) {
			tb.fatalf("the apply did not finish")
		}
		if !tb.js {
			if st := tb.click(`[data-testid="apply-refresh"]`); st != 200 {
				tb.fatalf("refresh: status %d", st)
			}
		}
		time.Sleep(200 * time.Millisecond) // with JavaScript, the page reloads itself meanwhile
	}
	for _, name := range []string{"anon-and-split", "mask-detector"} {
		if s := tb.attr(`[data-testid="apply-step-`+name+`"]`, "data-state"); s != "done" {
			t.Errorf("%s: %q", name, s)
		}
		tb.storedService(name)
	}
	tb.screen("import-apply-done")
}

// applyFinished reports whether the page shows a finished apply; while the page reloads itself the
// question may fail, which counts as not finished yet.
func (tb *tab) applyFinished() bool {
	ctx, cancel := context.WithTimeout(tb.ctx, evalTimeout)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.readyState === "complete" && document.querySelector("[data-testid=apply-status]") && !document.querySelector("[data-testid=apply-running]") ? 1 : 0`))
	return err == nil && n == 1
}
