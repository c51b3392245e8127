package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar/storagetest"
)

// TestServiceStorage: from a service's page, browse its WebDAV output folder, open a sub-folder,
// preview a file and download it; the provider's password never reaches the browser.
func TestServiceStorage(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newConsole(t, consoleOptions{})
			tb := newTab(t, c, m.js)
			tb.signInBasic()
			tb.serviceStorageFlow()
		})
	}
}

func (tb *tab) serviceStorageFlow() {
	tb.t.Helper()
	t, c := tb.t, tb.c
	const password = "dav-secret-e2e"
	dav := storagetest.NewWebDAV(t, "alice", password, map[string]string{
		"results/run1/out.txt": "result of run 1\n",
		"results/summary.csv":  "run,score\n1,0.9\n",
	})
	if err := c.OSCAR.PutService(fmt.Sprintf(`{"name":"davsvc","image":"alpine","script":"echo","cpu":"0.5","memory":"256Mi","owner":"cluster_admin",
		"storage_providers":{"webdav":{"dcache":{"hostname":%q,"login":"alice","password":%q}}},
		"output":[{"storage_provider":"webdav.dcache","path":"results"}]}`, dav.Host(), password)); err != nil {
		t.Fatal(err)
	}
	if st := tb.open("/services/davsvc"); st != 200 {
		tb.fatalf("service page: status %d", st)
	}
	if st := tb.click(`a[aria-label="Browse webdav.dcache results"]`); st != 200 {
		tb.fatalf("browse: status %d", st)
	}
	if n := tb.count(`[data-testid="remote-row"]`); n != 2 {
		t.Errorf("the folder lists %d entries, want 2 (run1/ and summary.csv)", n)
	}
	tb.screen("service-storage")
	if st := tb.click(`a[aria-label="Preview summary.csv"]`); st != 200 {
		tb.fatalf("preview: status %d", st)
	}
	if n := tb.count(`[data-testid="preview-table"] tbody tr`); n != 1 {
		t.Errorf("csv preview has %d rows, want 1", n)
	}
	tb.open("/services/davsvc")
	tb.click(`a[aria-label="Browse webdav.dcache results"]`)
	if st := tb.click(`[data-testid="remote-folder"]`); st != 200 {
		tb.fatalf("sub-folder: status %d", st)
	}
	if got := tb.download(`[data-testid="remote-file"]`); string(got) != "result of run 1\n" {
		t.Errorf("downloaded %q", got)
	}
	if html := eval[string](tb, `document.documentElement.outerHTML`); strings.Contains(html, password) {
		t.Error("the provider's password reached the browser")
	}
}
