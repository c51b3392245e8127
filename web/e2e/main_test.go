// Package e2e drives the real console in a real browser: Debian's chromium through chromedp, against
// the console as server.Build builds it for cmd/oscar-console (file sessions, the SSRF-guarded OSCAR
// client, an auth.Provider), with the in-process OpenID Provider of web/auth/authtest and the fake OSCAR
// of web/oscar/oscartest, all on 127.0.0.1.
//
// Every flow runs twice, with JavaScript enabled and disabled. axe-core (pinned in package.json,
// installed by `npm ci` in this folder) is injected into every screen and fails the test on any serious
// or critical violation. TestScreenshots renders every screen at desktop and mobile sizes (into
// $SCREENSHOTS when set, as `make screenshots` does). The package holds tests only.
//
// One browser process serves the whole test binary (started in TestMain); each test opens its own tab
// in its own browser context, so cookies never leak between tests. Without chromium the tests skip
// locally and fail in CI (CI=true).
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// suite is what TestMain prepares once for every test of the binary. It is the one package-level
// value: a test binary has one browser, and TestMain has no *testing.T to hand it over with.
var suite struct {
	browser    context.Context // chromedp context owning the browser; nil when it could not start
	browserErr error           // why there is no browser
	spec       *oscartest.Spec // the OSCAR contract, parsed once
	specErr    error
	axe        string // axe-core's source, injected into every screen
	axeErr     error
}

// chromiumPath finds the browser: CHROMIUM names it explicitly, else Debian's /usr/bin/chromium, else
// chromium or chromium-browser on PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("chromium not found (install Debian's chromium: bash .ci/deps)")
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	suite.spec, suite.specErr = oscartest.LoadSpec("")
	suite.axe, suite.axeErr = loadAxe()

	profile, err := os.MkdirTemp("", "e2e-chromium-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: profile dir: %v\n", err)
		return 1
	}
	defer os.RemoveAll(profile)

	path, err := chromiumPath()
	if err != nil {
		suite.browserErr = err
		return m.Run()
	}
	// The flags a headless CI machine without outside network needs (issue 8), a fresh profile, and
	// a few of chromedp's defaults that keep a container's small /dev/shm and screenshots sane.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.WindowSize(1280, 800),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	// The first Do starts the browser, bound to browserCtx for the whole binary.
	err = chromedp.Do(browserCtx)
	if err != nil {
		suite.browserErr = fmt.Errorf("start %s: %w", path, err)
		return m.Run()
	}
	suite.browser = browserCtx
	return m.Run()
}

// needBrowser returns the shared browser context, or ends the test when the browser or axe-core is
// missing: a failure in CI (CI=true), where the browser tests must run, and a skip with the reason
// elsewhere.
func needBrowser(t *testing.T) context.Context {
	t.Helper()
	missing := suite.browserErr
	if missing == nil {
		missing = suite.axeErr
	}
	if missing == nil {
		return suite.browser
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("browser tests must run in CI: %v", missing)
	}
	t.Skipf("skipping the browser test: %v", missing)
	return nil
}
