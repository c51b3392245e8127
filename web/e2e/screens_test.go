package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// screenSize is one size every screen is rendered at.
type screenSize struct {
	name          string
	width, height int64
	mobile        bool
}

var screenSizes = []screenSize{
	{"desktop", 1280, 800, false},
	{"mobile", 390, 844, true},
}

// screen marks the page on display as one of the console's screens: axe-core checks it, and in the
// screenshot run it is rendered at every size (see TestScreenshots).
func (tb *tab) screen(name string) {
	tb.t.Helper()
	tb.axe(name)
	if tb.shots != "" {
		tb.shoot(name)
		// The screenshot run also checks the dark palette (prefers-color-scheme: dark), where
		// contrast problems hide from the light-mode runs.
		tb.colorScheme("dark")
		tb.axe(name + " in dark mode")
		tb.colorScheme("")
	}
}

// colorScheme emulates prefers-color-scheme ("" removes the override).
func (tb *tab) colorScheme(scheme string) {
	tb.t.Helper()
	p := emulation.SetEmulatedMediaParams{}
	if scheme != "" {
		p.Features = []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}
	}
	if _, err := chromedp.Call(tb.ctx, emulation.SetEmulatedMedia, p); err != nil {
		tb.t.Fatalf("color scheme %q: %v", scheme, err)
	}
}

// shoot renders the page at each size into <shots>/<name>-<size>.png (the whole page, at the size's
// width), and fails the test when the page is wider than a phone's screen: content cut off or a
// horizontal scroll at 390 px is a layout break.
func (tb *tab) shoot(name string) {
	tb.t.Helper()
	if tb.shot[name] {
		tb.t.Fatalf("screen %q rendered twice", name)
	}
	tb.shot[name] = true
	for _, s := range screenSizes {
		opts := []chromedp.EmulateViewportOption{chromedp.EmulatePortrait}
		if s.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		tb.do("viewport "+s.name, chromedp.EmulateViewport(s.width, s.height, opts...))
		// Two animation frames: the new width is laid out and painted.
		eval[bool](tb, `new Promise(function (r) { requestAnimationFrame(function () { requestAnimationFrame(function () { r(true); }); }); })`)
		if over := eval[[]string](tb, overflowJS); len(over) > 0 {
			tb.t.Errorf("%s at %dx%d: the page is wider than the screen; widest elements:\n  %s", name, s.width, s.height, strings.Join(over, "\n  "))
		}
		png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			tb.fatalf("screenshot %s %s: %v", name, s.name, err)
		}
		file := filepath.Join(tb.shots, fmt.Sprintf("%s-%s.png", name, s.name))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			tb.t.Fatal(err)
		}
	}
	tb.do("viewport back", chromedp.EmulateViewport(1280, 800))
}

// overflowJS lists the elements that stick out of the viewport on the right (a horizontal scrollbar
// on the page), deepest first, at most five. Elements inside a scroll container (tables in
// .table-wrap, pre) are fine: they scroll on their own.
const overflowJS = `(function () {
  var vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= vw + 1) { return []; }
  var out = [];
  document.querySelectorAll("body *").forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.right <= vw + 1 || r.width === 0) { return; }
    for (var p = e.parentElement; p; p = p.parentElement) {
      var o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") { return; }
    }
    var d = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "");
    out.push(d + " right=" + Math.round(r.right) + "px");
  });
  return out.slice(-5);
})()`
