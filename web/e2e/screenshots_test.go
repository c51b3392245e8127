package e2e

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// TestScreenshots renders every screen of the console at 1280x800 and 390x844 (with JavaScript, as
// most users see it) into $SCREENSHOTS/<screen>-<desktop|mobile>.png; `make screenshots` sets
// SCREENSHOTS=docs/screenshots (relative to the module root). Without SCREENSHOTS it renders into a
// temporary folder, so the rendering and the layout checks still run with the other tests.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	} else if !filepath.IsAbs(dir) {
		root, err := moduleRoot()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(root, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	// An OIDC user: sign-in, token, the wizard from nothing to a service, edit, import, sign-out.
	c := newConsole(t, consoleOptions{})
	a := newTab(t, c, true)
	a.shots = dir
	a.signInOIDC()
	a.switchCluster("")
	a.tokenFlow()
	a.wizardFlow()
	a.editFlow()
	a.importFlow()
	a.signOut()

	// The cluster's OSCAR account on a second cluster: a refused sign-in, then operating a service,
	// buckets (and their files: previews, selections, moves, visibility), volumes (with the
	// wizard's volume picker), the cluster page and an error page.
	c2 := newConsole(t, consoleOptions{OSCAR: func(o *oscartest.Options) { o.ServerlessBackend = true }})
	c2.seedService(t, "cowsay")
	b := newTab(t, c2, true)
	b.shots = dir
	b.signInBasicRefused()
	b.signInBasic()
	b.tokenBasicFlow()
	b.operateFlow("cowsay")
	b.bucketFlow()
	b.bucketFilesFlow()
	b.serviceStorageFlow()
	b.volumeFlow()
	b.open("/cluster")
	b.screen("cluster")
	b.open("/no/such/page")
	b.screen("not-found")

	// A whole FDL file applied, slowly enough to see it running.
	c3 := newConsole(t, consoleOptions{OSCAR: func(o *oscartest.Options) { o.CreateDelay = time.Second }})
	f := newTab(t, c3, true)
	f.signInOIDC() // the sign-in screens are the first tour's
	f.shots = dir
	f.applyFileFlow()
	// An exposed service on a Knative cluster: its deployment, stop and start, its logs, and a new
	// exposed service through the wizard.
	c4 := exposedConsole(t)
	d := newTab(t, c4, true)
	d.shots = dir
	d.signInBasic()
	d.lifecycleFlow()
	d.deploymentLogsFlow()
	d.wizardExposeFlow()
	// A federated service: its page with the members, and their edit in the wizard.
	c6 := newConsole(t, consoleOptions{})
	c6.seedFederated(t)
	e := newTab(t, c6, true)
	e.signInBasic()
	e.shots = dir
	e.federationFlow()

	// Usage and administration on a cluster with a year of requests: the admin's tour, then an EGI
	// Check-in user's usage and the administration pages refused.
	c5 := newConsole(t, consoleOptions{})
	c5.seedUsage(t)
	g := newTab(t, c5, true)
	g.shots = dir
	g.signInBasic()
	g.usageFlow()
	g.adminFlow()
	h := newTab(t, c5, true)
	h.signInOIDC() // the sign-in screens are the first tour's
	h.shots = dir
	h.userUsageFlow()

	// The OSCAR Hub: its catalogue, a crate, deploy and the checks.
	c7 := newConsole(t, consoleOptions{Hub: true})
	k := newTab(t, c7, true)
	k.shots = dir
	k.signInBasic()
	k.hubFlow()

	// Apps: a kind whose template source is down, a notebook's form (refused, then sent), its
	// progress, the list and the delete confirmation.
	c8 := newConsole(t, consoleOptions{Apps: true, OSCAR: func(o *oscartest.Options) { o.DeploymentSettle = 2 }})
	m := newTab(t, c8, true)
	m.signInBasic()
	m.shots = dir
	m.appsSourceDownFlow()
	m.appsFlow()

	var names []string
	seen := map[string]bool{}
	for _, tour := range []*tab{a, b, f, d, e, g, h, k, m} {
		for n := range tour.shot {
			if seen[n] {
				t.Errorf("screen %q rendered by two tours: the second overwrote the first", n)
			}
			seen[n] = true
			names = append(names, n)
		}
	}
	sort.Strings(names)
	t.Logf("%d screens rendered into %s: %s", len(names), dir, strings.Join(names, ", "))
}

// moduleRoot is the folder holding go.mod, above the test's working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
