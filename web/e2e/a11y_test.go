package e2e

import (
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// checkInvalid checks how a refused form shows the problem with field sel: aria-invalid="true",
// aria-describedby naming the message next to the field, the error summary linking to it, and, with
// and without JavaScript, the focus moved to the summary or the field so that keyboard and
// screen-reader users land on the problem (the summary's autofocus attribute, or console.js).
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
	// Without JavaScript only the autofocus attribute can move the focus: the summary needs it.
	focused := eval[string](tb, `(function (e) { return e ? (e.id || e.tagName) : ""; })(document.activeElement)`)
	if focused != "form-errors" && focused != id {
		hint := ""
		if !tb.js {
			hint = " (without JavaScript this needs autofocus on the error summary)"
		}
		t.Errorf("after a refused form the focus is on %q, want the error summary or %s%s", focused, sel, hint)
	}
}

// tabbableJS lists the elements the Tab key should reach, in document order: visible, enabled, not
// tabindex="-1", not inside a closed <details> (except its summary), and one radio per group.
const tabbableJS = `(function () {
  var sel = 'a[href], button, input, select, textarea, summary, [tabindex]';
  var seenRadio = {};
  var out = [];
  document.querySelectorAll(sel).forEach(function (e) {
    if (e.tabIndex < 0 || e.disabled || e.type === "hidden") { return; }
    if (!e.getClientRects().length || getComputedStyle(e).visibility === "hidden") { return; }
    var d = e.parentElement && e.parentElement.closest("details:not([open])");
    if (d && !(e.tagName === "SUMMARY" && e.parentElement === d)) { return; }
    if (e.type === "radio") {
      var group = document.querySelectorAll('input[type=radio][name="' + e.name + '"]');
      var chosen = Array.prototype.find.call(group, function (r) { return r.checked; }) || group[0];
      if (seenRadio[e.name] || e !== chosen) { return; }
      seenRadio[e.name] = true;
    }
    out.push(e);
  });
  return out;
})()`

// keyboardPath presses Tab from the top of a freshly loaded page (or from where the page put the
// focus) to its end and checks that the focus visits every control in document order (no positive tabindex, nothing skipped, nothing hidden
// focused), and that each focused control shows a visible focus indicator (:focus-visible outline).
func (tb *tab) keyboardPath() {
	tb.t.Helper()
	t := tb.t
	// Number the tabbable elements so the focus can be compared with the expected order.
	n := eval[int](tb, `(function () { var l = `+tabbableJS+`; l.forEach(function (e, i) { e.setAttribute("data-e2e-tab", i); }); return l.length; })()`)
	if n == 0 {
		tb.fatalf("nothing tabbable on %s", tb.path())
	}
	// Tab starts after the focused element (the error summary console.js focused), or at the top.
	start := eval[int](tb, `(function () {
		var a = document.activeElement;
		if (!a || a === document.body) { return 0; }
		var l = document.querySelectorAll("[data-e2e-tab]");
		for (var i = 0; i < l.length; i++) {
			if (l[i] !== a && (a.compareDocumentPosition(l[i]) & Node.DOCUMENT_POSITION_FOLLOWING)) { return i; }
		}
		return l.length;
	})()`)
	var problems []string
	for i := start; i < n; i++ {
		tb.do("Tab", chromedp.KeyEvent(kb.Tab))
		got := eval[focusInfo](tb, `(function (e) {
			var s = getComputedStyle(e);
			return {index: e.getAttribute("data-e2e-tab") === null ? -1 : +e.getAttribute("data-e2e-tab"),
				name: e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.name ? "[name=" + e.name + "]" : ""),
				visible: e.matches(":focus-visible"),
				outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2,
				shadow: s.boxShadow !== "none"};
		})(document.activeElement)`)
		if got.Index != i {
			problems = append(problems, fmt.Sprintf("Tab %d focused %s (expected element %d, got %d)", i-start+1, got.Name, i, got.Index))
			break
		}
		if !got.Visible || !(got.Outline || got.Shadow) {
			problems = append(problems, fmt.Sprintf("Tab %d: %s has no visible focus indicator (:focus-visible %v, outline %v)", i+1, got.Name, got.Visible, got.Outline))
		}
	}
	if len(problems) > 0 {
		t.Errorf("keyboard path through %s (%s):\n  %s", tb.path(), tb.mode(), strings.Join(problems, "\n  "))
	}
}

// focusInfo is what keyboardPath reads about the focused element.
type focusInfo struct {
	Index   int    `json:"index"`
	Name    string `json:"name"`
	Visible bool   `json:"visible"`
	Outline bool   `json:"outline"`
	Shadow  bool   `json:"shadow"`
}
