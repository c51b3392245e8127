package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// tabTimeout bounds one test's whole use of its tab, so a page that never loads fails the test
// instead of hanging the binary.
const tabTimeout = 3 * time.Minute

// evalTimeout bounds one evaluation (an axe run on a busy 2-core machine included).
const evalTimeout = 60 * time.Second

// modes are the two ways every flow runs.
var modes = []struct {
	name string
	js   bool
}{{"js", true}, {"nojs", false}}

// tab is one browser tab, in a browser context of its own (own cookies, cache and downloads), with
// JavaScript on or off.
type tab struct {
	t     *testing.T
	ctx   context.Context
	c     *console
	js    bool
	bctx  cdp.BrowserContextID
	shots string          // directory for screenshots; "" takes none
	shot  map[string]bool // screens already rendered

	mu      sync.Mutex
	console []chromedp.ConsoleMessage // errors and warnings the pages wrote to the console
}

// newTab opens a tab for c. With js false, the page's scripts never run (Emulation.
// setScriptExecutionDisabled), as for a user without JavaScript; DevTools evaluation still works.
func newTab(t *testing.T, c *console, js bool) *tab {
	t.Helper()
	parent := needBrowser(t)
	tabCtx, cancelTab := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	t.Cleanup(cancelTab)
	if err := chromedp.Do(tabCtx); err != nil { // opens the tab
		t.Fatalf("open a tab: %v", err)
	}
	ctx, cancel := context.WithTimeout(tabCtx, tabTimeout)
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx, c: c, js: js, bctx: chromedp.FromContext(tabCtx).BrowserContextID, shot: map[string]bool{}}

	// Record console errors (a CSP violation shows up there) and answer dialogs (data-confirm) with
	// OK, as a user who means it: an unanswered dialog would block the page.
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || m.Type == chromedp.ConsoleWarning {
				tb.mu.Lock()
				tb.console = append(tb.console, m)
				tb.mu.Unlock()
			}
		}
	}()
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()

	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	if !js {
		tb.scripts(false)
	}
	t.Cleanup(tb.checkConsole)
	return tb
}

// scripts turns the page's script execution on or off.
func (tb *tab) scripts(on bool) {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on}); err != nil {
		tb.t.Fatalf("set script execution %v: %v", on, err)
	}
}

// checkConsole fails the test for every Content-Security-Policy violation and uncaught exception the
// pages reported: the console must work under its own CSP.
func (tb *tab) checkConsole() {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, m := range tb.console {
		text := m.Text
		if m.IsException() || strings.Contains(text, "Content Security Policy") || strings.Contains(text, "Content-Security-Policy") {
			tb.t.Errorf("browser console %s at %s:%d: %s", m.Type, m.URL, m.Line+1, text)
		}
	}
}

// url makes an absolute URL of a console path.
func (tb *tab) url(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return tb.c.URL + path
}

// open navigates to path and returns the HTTP status of the document.
func (tb *tab) open(path string) int64 {
	tb.t.Helper()
	resp, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(tb.url(path)))
	if err != nil {
		tb.fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// navigate runs steps that lead to a new page (a link, a form submission) and returns the HTTP status
// of the final document, after redirects.
func (tb *tab) navigate(what string, steps ...chromedp.Action[chromedp.Void]) int64 {
	tb.t.Helper()
	resp, err := chromedp.RunResponse(tb.ctx, steps...)
	if err != nil {
		tb.fatalf("%s: %v", what, err)
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// click clicks the element sel and waits for the page it leads to; it returns the status.
func (tb *tab) click(sel string) int64 {
	tb.t.Helper()
	tb.mustSee(sel) // chromedp would wait for it until the tab's deadline
	return tb.navigate("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// do runs steps that stay on the page.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.fatalf("%s: %v", what, err)
	}
}

// fill types value into the field sel after emptying it, as a user would.
func (tb *tab) fill(sel, value string) {
	tb.t.Helper()
	tb.set(sel, "")
	tb.do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), value, chromedp.NodeReady))
	if got := eval[string](tb, `document.querySelector(`+jsString(sel)+`).value`); got != value {
		tb.fatalf("%s holds %q after typing %q", sel, got, value)
	}
}

// set sets the value of a field directly (selects, long text), with the input and change events a
// user's edit fires.
func (tb *tab) set(sel, value string) {
	tb.t.Helper()
	got := eval[string](tb, `(function (e, v) {
		if (!e) { return "\u0000missing"; }
		e.value = v;
		e.dispatchEvent(new Event("input", {bubbles: true}));
		e.dispatchEvent(new Event("change", {bubbles: true}));
		return e.value;
	})(document.querySelector(`+jsString(sel)+`), `+jsString(value)+`)`)
	if got != value {
		tb.fatalf("set %s to %q: it holds %q", sel, value, got)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// eval evaluates a JavaScript expression through DevTools (allowed under the page's CSP and with
// page scripts disabled) and decodes its JSON value into T.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, evalTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.fatalf("evaluate %.80q: %v", expr, err)
	}
	return v
}

// text returns the trimmed text of the first element matching sel, or "" when there is none.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	q, _ := json.Marshal(sel)
	return eval[string](tb, fmt.Sprintf(`(function(){var e=document.querySelector(%s);return e?e.innerText.trim():""})()`, q))
}

// count returns how many elements match sel.
func (tb *tab) count(sel string) int {
	tb.t.Helper()
	q, _ := json.Marshal(sel)
	return eval[int](tb, fmt.Sprintf(`document.querySelectorAll(%s).length`, q))
}

// attr returns an attribute of the first element matching sel ("" when absent).
func (tb *tab) attr(sel, name string) string {
	tb.t.Helper()
	q, _ := json.Marshal(sel)
	n, _ := json.Marshal(name)
	return eval[string](tb, fmt.Sprintf(`(function(){var e=document.querySelector(%s);return e&&e.getAttribute(%s)||""})()`, q, n))
}

// path is the current URL's path and query.
func (tb *tab) path() string {
	tb.t.Helper()
	return eval[string](tb, `location.pathname+location.search`)
}

// mustSee fails the test when sel matches nothing on the page.
func (tb *tab) mustSee(sel string) {
	tb.t.Helper()
	if tb.count(sel) == 0 {
		tb.fatalf("no %s on %s", sel, tb.path())
	}
}

// fatalf ends the test with the page's address and its main text, to see what the browser saw.
func (tb *tab) fatalf(format string, args ...any) {
	tb.t.Helper()
	msg := fmt.Sprintf(format, args...)
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	if where, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href+"\n"+(document.querySelector("main")||document.body||{innerText:""}).innerText.slice(0,1500)`)); err == nil {
		msg += "\npage: " + where
	}
	tb.t.Fatal(msg)
}

// grantClipboard lets the console's origin read and write the clipboard without a prompt, so the test
// can read back what the Copy button wrote.
func (tb *tab) grantClipboard() {
	tb.t.Helper()
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		_, err := chromedp.CallBrowser(tb.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission:       &browser.PermissionDescriptor{Name: name, AllowWithoutSanitization: true},
			Setting:          browser.PermissionSettingGranted,
			Origin:           tb.c.URL,
			BrowserContextID: tb.bctx,
		})
		if err != nil {
			tb.t.Fatalf("grant %s: %v", name, err)
		}
	}
	// A headless page has no focused window; the clipboard API needs a focused document.
	if _, err := chromedp.Call(tb.ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		tb.t.Fatalf("focus emulation: %v", err)
	}
}

// mode names the mode for messages.
func (tb *tab) mode() string {
	if tb.js {
		return "with JavaScript"
	}
	return "without JavaScript"
}

// press clicks the element sel, for clicks that change the page without loading another.
func (tb *tab) press(sel string) {
	tb.t.Helper()
	tb.mustSee(sel)
	tb.do("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}
