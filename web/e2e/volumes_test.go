package e2e

import (
	"strings"
	"testing"
)

// TestVolumes: the volumes flow (empty list, an invalid create, create, the volume's page), the
// wizard's volume picker (a service mounting the volume, its volume status), the refused delete of
// a volume in use naming the service, and the delete once it is free; with JavaScript on and off,
// axe on every screen.
func TestVolumes(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newConsole(t, consoleOptions{})
			tb := newTab(t, c, m.js)
			tb.signInBasic()
			tb.volumeFlow()
		})
	}
}

func (tb *tab) volumeFlow() {
	tb.t.Helper()
	t, c := tb.t, tb.c
	const vol, svc = "e2e-models", "e2e-mounter"
	if st := tb.open("/volumes"); st != 200 {
		tb.fatalf("GET /volumes: status %d", st)
	}
	tb.mustSee(`[data-testid="empty"]`)
	tb.screen("volumes-empty")
	if n := tb.count(`nav a[href="/volumes"][aria-current="page"]`); n != 1 {
		t.Errorf("the header links Volumes as the current page %d times, want 1", n)
	}
	if st := tb.click(`[data-testid="empty"] a[href="/volumes/new"]`); st != 200 {
		tb.fatalf("new volume: status %d", st)
	}
	tb.screen("volume-new")

	// An invalid size: the same page, the field marked and explained, the input kept.
	tb.fill("#f-name", vol)
	tb.fill("#f-size", "lots")
	if st := tb.click(`[data-testid="create"]`); st != 422 {
		t.Errorf("invalid size: status %d, want 422", st)
	}
	tb.checkInvalid("#f-size")
	if got := tb.attr("#f-name", "value"); got != vol {
		t.Errorf("name after the refusal = %q, want %q", got, vol)
	}
	tb.screen("volume-new-invalid")

	tb.fill("#f-size", "2")
	tb.set("#f-unit", "Gi")
	if st := tb.click(`[data-testid="create"]`); st != 200 {
		tb.fatalf("create volume: status %d", st)
	}
	if p := tb.path(); p != "/volumes/"+vol {
		t.Errorf("after create the browser is on %s", p)
	}
	if got := c.OSCAR.VolumeNames("oscar-svc"); len(got) != 1 || got[0] != vol {
		tb.fatalf("OSCAR holds volumes %v, want [%s]", got, vol)
	}
	tb.mustSee(`[data-testid="no-users"]`)
	tb.screen("volume")

	// The wizard's picker: a service that mounts the volume.
	tb.open("/services/new/general")
	tb.fill("#f-name", svc)
	tb.fill("#f-image", "ghcr.io/grycap/cowsay")
	tb.set("#f-script", "#!/bin/sh\nls /models\n")
	if st := tb.next(); st != 200 {
		tb.fatalf("Next from General: status %d", st)
	}
	tb.step("storage")
	tb.mustSee(`[data-testid="volume-section"]`)
	tb.press(`#f-volume-mode-existing`)
	tb.set(`#f-volume-existing`, vol)
	tb.fill(`#f-volume-mount_path`, "/models")
	if st := tb.next(); st != 200 {
		tb.fatalf("Next from Storage: status %d", st)
	}
	tb.open("/services/new/storage")
	if got := tb.text(`[data-testid="volume-mount-preview"]`); !strings.Contains(got, "/models") {
		t.Errorf("mount preview %q", got)
	}
	tb.screen("wizard-storage-volume")
	tb.open("/services/new/review")
	tb.step("review")
	if st := tb.click(`[data-testid="create"]`); st != 200 {
		tb.fatalf("create service: status %d", st)
	}
	if body := tb.text("main"); !strings.Contains(body, vol+": in use") {
		t.Errorf("the service page does not show the volume status:\n%s", body)
	}

	// Delete while the service mounts it: the confirmation names the service and offers no delete.
	tb.open("/volumes")
	if got := tb.text(`[data-testid="volume-users"]`); got != svc {
		t.Errorf("used by %q, want %s", got, svc)
	}
	tb.screen("volumes")
	if st := tb.click(`a[aria-label="Delete volume ` + vol + `"]`); st != 200 {
		tb.fatalf("delete page: status %d", st)
	}
	tb.mustSee(`[data-testid="in-use"]`)
	if n := tb.count(`[data-testid="confirm-delete"]`); n != 0 {
		t.Errorf("a volume in use offers delete")
	}
	if got := tb.text(`[data-testid="in-use"]`); !strings.Contains(got, svc) {
		t.Errorf("in-use note %q does not name %s", got, svc)
	}
	tb.screen("volume-delete-in-use")

	// Once the service is gone, the delete goes through.
	tb.open("/services/" + svc + "/delete")
	if st := tb.click(`[data-testid="confirm-delete"]`); st != 200 {
		tb.fatalf("delete service: status %d", st)
	}
	tb.open("/volumes/" + vol + "/delete")
	tb.screen("volume-delete")
	if st := tb.click(`[data-testid="confirm-delete"]`); st != 200 {
		tb.fatalf("delete volume: status %d", st)
	}
	if p := tb.path(); p != "/volumes" {
		t.Errorf("after delete the browser is on %s", p)
	}
	if got := c.OSCAR.VolumeNames("oscar-svc"); len(got) != 0 {
		t.Errorf("OSCAR still holds %v", got)
	}
}
