package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// loadAxe reads axe-core from node_modules (npm ci in this folder, done by .ci/deps).
func loadAxe() (string, error) {
	b, err := os.ReadFile(filepath.Join("node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		return "", fmt.Errorf("axe-core is not installed (run: cd web/e2e && npm ci): %w", err)
	}
	return string(b), nil
}

// axeViolation is the part of an axe-core result the tests report.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target         []any  `json:"target"`
		HTML           string `json:"html"`
		FailureSummary string `json:"failureSummary"`
	} `json:"nodes"`
}

// axe injects axe-core into the current page through DevTools (the page's CSP governs the page's own
// scripts, not DevTools evaluation, so no CSP bypass is needed) and runs every rule of WCAG 2.x A and
// AA plus best practices. Serious and critical violations fail the test; moderate and minor ones are
// logged.
func (tb *tab) axe(screen string) {
	tb.t.Helper()
	if suite.axeErr != nil {
		tb.t.Fatal(suite.axeErr) // part of the test setup: missing, it fails like a missing browser in CI
	}
	if !eval[bool](tb, `typeof window.axe === "object"`) {
		eval[bool](tb, suite.axe+"\n;true")
	}
	if !tb.js {
		// axe-core needs timers, which do not run while script execution is disabled. Turn scripts
		// on for the check alone: the page's own scripts were skipped at load and do not run later,
		// so axe sees the page exactly as a user without JavaScript does.
		tb.scripts(true)
		defer tb.scripts(false)
	}
	vs := eval[[]axeViolation](tb, `axe.run(document, {resultTypes: ["violations"]}).then(function (r) { return r.violations; })`)
	var bad []string
	for _, v := range vs {
		if v.Impact != "serious" && v.Impact != "critical" {
			tb.t.Logf("axe %s on %s (%s): %s: %s (%d elements)", v.Impact, screen, tb.mode(), v.ID, v.Help, len(v.Nodes))
			continue
		}
		bad = append(bad, formatViolation(v))
	}
	if len(bad) > 0 {
		tb.t.Errorf("axe: %d serious or critical violations on %s (%s, %s):\n%s", len(bad), screen, tb.path(), tb.mode(), strings.Join(bad, "\n"))
	}
}

func formatViolation(v axeViolation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  [%s] %s: %s (%s)\n", v.Impact, v.ID, v.Help, v.HelpURL)
	for i, n := range v.Nodes {
		if i == 5 {
			fmt.Fprintf(&b, "      ... and %d more\n", len(v.Nodes)-5)
			break
		}
		html := n.HTML
		if len(html) > 200 {
			html = html[:200] + "…"
		}
		fmt.Fprintf(&b, "    - %v %s\n      %s\n", n.Target, html, strings.ReplaceAll(n.FailureSummary, "\n", "\n      "))
	}
	return b.String()
}
