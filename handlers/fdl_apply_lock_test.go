package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// TestApplySameFileTwiceWhileRunning: while a file's apply runs (the fake holds its first create),
// applying the same file again, as a browser without JavaScript does after going back, or twice at
// once, starts no second run: the Review says the file is being applied and links to its progress.
func TestApplySameFileTwiceWhileRunning(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free)
	var mu sync.Mutex
	creates := 0
	h, fake := wzSetup(t, oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPost && r.URL.Path == "/system/services" {
			mu.Lock()
			creates++
			mu.Unlock()
			<-release
		}
		return false
	}})
	file := "functions:\n  oscar:\n  - c: {name: one, image: img, script: echo 1}\n  - c: {name: two, image: img, script: echo 2}\n"
	rv := importFile(t, h, file)
	first := h.wzSubmit(rv, "form[action='/services/import/apply']", nil, "")
	wzExpect(t, first, http.StatusSeeOther, "")
	progress := first.location()

	// The same file imported again: its Review says it is being applied, without an Apply button.
	rv = importFile(t, h, file)
	if href, _ := rv.Doc.Find("[data-testid=apply-already] a").Attr("href"); href != progress {
		t.Errorf("the Review links to %q, want the running apply %q", href, progress)
	}
	if rv.Doc.Find("[data-testid=apply-file]").Length() != 0 {
		t.Error("the Review offers Apply while the file is being applied")
	}
	// Submitted anyway (a form kept from before), and twice at once.
	var wg sync.WaitGroup
	answers := make([]*page, 2)
	for i := range answers {
		wg.Go(func() { answers[i] = h.post("/services/import/apply", url.Values{}) })
	}
	wg.Wait()
	conflicts := 0
	for _, p := range answers {
		switch p.StatusCode {
		case http.StatusConflict:
			conflicts++
			if href, _ := p.Doc.Find("[data-testid=apply-already] a").Attr("href"); href != progress {
				t.Errorf("the second apply links to %q, want %q", href, progress)
			}
			if !strings.Contains(p.text("[data-testid=apply-already]"), "already being applied") {
				t.Errorf("the second apply says %q", p.text("[data-testid=apply-already]"))
			}
		case http.StatusBadRequest: // the first answer took the pending file away: nothing to apply
		default:
			t.Errorf("a second apply of the running file: status %d, location %q", p.StatusCode, p.location())
		}
	}
	if conflicts == 0 {
		t.Error("no answer said the file is already being applied")
	}
	mu.Lock()
	n := creates
	mu.Unlock()
	if n != 1 {
		t.Errorf("OSCAR received %d creates while the first was held, want 1", n)
	}

	free()
	st := applyWait(t, h, progress)
	if s, _ := st.Doc.Find("[data-testid=apply-step-two]").Attr("data-state"); s != "done" {
		t.Errorf("the first apply ended with two %q", s)
	}
	if fake.StoredService("one") == nil || fake.StoredService("two") == nil {
		t.Error("the first apply did not create both services")
	}
	// Once it has finished, the file can be applied again (nothing changes now).
	rv = importFile(t, h, file)
	if rv.Doc.Find("[data-testid=apply-already]").Length() != 0 {
		t.Error("the Review still says the file is being applied")
	}
	again := h.wzSubmit(rv, "form[action='/services/import/apply']", nil, "")
	wzExpect(t, again, http.StatusSeeOther, "")
	if again.location() == progress {
		t.Error("the new apply reuses the finished one")
	}
}
