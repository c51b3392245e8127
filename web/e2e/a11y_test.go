package e2e

import (
	"strings"
)

// checkInvalid checks how a refused form shows the problem with field sel: aria-invalid="true",
// aria-describedby naming the message next to the field, the error summary linking to it, and (with
// JavaScript) the focus moved to the summary or the field so keyboard and screen-reader users land
// on the problem.
func (tb *tab) checkInvalid(sel string) {
	tb.t.Helper()
	t := tb.t
	if got := tb.attr(sel, "aria-invalid"); got != "true" {
		t.Errorf("%s: aria-invalid = %q, want true", sel, got)
	}
	described := tb.attr(sel, "aria-describedby")
	var texts []string
	for _, id := range strings.Fields(described) {
		texts = append(texts, tb.text("#"+id))
	}
	if !strings.Contains(described, "-error") || strings.TrimSpace(strings.Join(texts, "")) == "" {
		t.Errorf("%s: aria-describedby = %q (texts %q), want it to name the field's error message", sel, described, texts)
	}
	id := strings.TrimPrefix(sel, "#")
	if tb.count(`[data-testid="form-errors"] a[href="#`+id+`"]`) == 0 {
		t.Errorf("the error summary has no link to %s", sel)
	}
	if !tb.js {
		return
	}
	focused := eval[string](tb, `(function (e) { return e ? (e.id || e.tagName) : ""; })(document.activeElement)`)
	if focused != "form-errors" && focused != id {
		t.Errorf("after a refused form the focus is on %q, want the error summary or %s", focused, sel)
	}
}
