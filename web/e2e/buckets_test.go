package e2e

import (
	"archive/zip"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBucketFiles: preview each kind of file (an HTML file is not rendered), upload several files
// at once, make a folder, move a file, download a selection as a zip, delete a selection, and
// change the bucket's visibility (after a refused form).
func TestBucketFiles(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newConsole(t, consoleOptions{})
			tb := newTab(t, c, m.js)
			tb.signInBasic()
			tb.bucketFilesFlow()
		})
	}
}

// tinyPNG is a 4×3 red image.
func tinyPNG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	for x := range 4 {
		for y := range 3 {
			img.Set(x, y, color.RGBA{R: 200, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (tb *tab) bucketFilesFlow() {
	tb.t.Helper()
	t, c := tb.t, tb.c
	const bucket = "e2e-files"
	c.OSCAR.AddBucket(bucket, "cluster_admin", "private")
	c.OSCAR.PutObjectData(bucket, "results/run.log", []byte("step 1 <b>ok</b>\nstep 2 done\n"))
	c.OSCAR.PutObjectData(bucket, "results/table.csv", []byte("sample,score\nA,0.91\nB,0.42\n"))
	c.OSCAR.PutObjectData(bucket, "results/out.json", []byte(`{"model":"yolo","classes":["cat","dog"]}`))
	c.OSCAR.PutObjectData(bucket, "results/photo.png", tinyPNG(t))
	c.OSCAR.PutObjectData(bucket, "results/report.html", []byte(`<script>document.title="pwned"</script><h1>hi</h1>`))
	folder := "/buckets/" + bucket + "?prefix=results%2F"
	if st := tb.open(folder); st != 200 {
		tb.fatalf("GET %s: status %d", folder, st)
	}
	tb.screen("bucket-files")

	// Previews.
	if st := tb.click(`a[aria-label="Preview run.log"]`); st != 200 {
		tb.fatalf("preview log: status %d", st)
	}
	if got := tb.text(`[data-testid="preview-text"]`); got != "step 1 <b>ok</b>\nstep 2 done" {
		t.Errorf("log preview = %q", got)
	}
	tb.screen("preview-text")
	tb.open(folder)
	tb.click(`a[aria-label="Preview table.csv"]`)
	if n := tb.count(`[data-testid="preview-table"] tbody tr`); n != 2 {
		t.Errorf("csv preview has %d rows, want 2", n)
	}
	tb.screen("preview-csv")
	tb.open(folder)
	tb.click(`a[aria-label="Preview out.json"]`)
	if got := tb.text(`[data-testid="preview-text"]`); !strings.Contains(got, "\"classes\": [\n    \"cat\",") {
		t.Errorf("json preview = %q", got)
	}
	tb.screen("preview-json")
	tb.open(folder)
	tb.click(`a[aria-label="Preview photo.png"]`)
	loaded := eval[bool](tb, `new Promise(function (r) { var i = document.querySelector('[data-testid="preview-image"]');
		if (i.complete) { r(i.naturalWidth === 4); return; } i.onload = function () { r(i.naturalWidth === 4); }; i.onerror = function () { r(false); }; })`)
	if !loaded {
		t.Error("the image preview did not load")
	}
	tb.screen("preview-image")
	// The HTML file has no Preview link; its preview page, reached directly, does not render it.
	tb.open(folder)
	if tb.count(`a[aria-label="Preview report.html"]`) != 0 {
		t.Error("an HTML file offers a preview")
	}
	tb.open("/buckets/" + bucket + "/preview?key=results%2Freport.html")
	if tb.count(`[data-testid="preview"] iframe, [data-testid="preview"] img`) != 0 || eval[string](tb, `document.title`) == "pwned" {
		t.Error("the HTML file was rendered")
	}
	tb.screen("preview-hostile")

	// Upload two files at once.
	dir := t.TempDir()
	var files []string
	for _, n := range []string{"a.txt", "b.txt"} {
		f := filepath.Join(dir, n)
		if err := os.WriteFile(f, []byte("content of "+n), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	tb.open(folder)
	if tb.js && tb.count(`[data-folder-picker]:not([hidden])`) != 1 {
		t.Error("the folder picker is not offered with JavaScript")
	}
	tb.do("choose files", chromedp.SetUploadFiles(chromedp.CSS("#f-file"), files, chromedp.NodeReady))
	if st := tb.click(`[data-testid="upload"] button[type="submit"]`); st != 200 {
		tb.fatalf("upload: status %d", st)
	}
	for _, n := range []string{"a.txt", "b.txt"} {
		if got, ok := c.OSCAR.Object(bucket, "results/"+n); !ok || string(got) != "content of "+n {
			t.Errorf("results/%s = %q %v after the upload", n, got, ok)
		}
	}

	// With JavaScript, a whole folder through the folder picker: its files keep their paths.
	if tb.js {
		tree := filepath.Join(dir, "photos")
		if err := os.MkdirAll(filepath.Join(tree, "day1"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"day1/cat.txt", "dog.txt"} {
			if err := os.WriteFile(filepath.Join(tree, f), []byte(f), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		tb.open(folder)
		tb.do("choose a folder", chromedp.SetUploadFiles(chromedp.CSS("#f-tree"), []string{tree}, chromedp.NodeReady))
		if st := tb.click(`[data-testid="upload"] button[type="submit"]`); st != 200 {
			tb.fatalf("folder upload: status %d", st)
		}
		for _, f := range []string{"day1/cat.txt", "dog.txt"} {
			if got, ok := c.OSCAR.Object(bucket, "results/photos/"+f); !ok || string(got) != f {
				t.Errorf("results/photos/%s = %q %v after the folder upload", f, got, ok)
			}
		}
	}

	// With JavaScript each file has its own line: a bucket deleted behind the page's back makes
	// both fail, each says why, and the page stays with a summary.
	if tb.js {
		c.OSCAR.AddBucket("e2e-gone", "cluster_admin", "private")
		tb.open("/buckets/e2e-gone")
		if err := deleteBucket(c, "e2e-gone"); err != nil {
			t.Fatal(err)
		}
		tb.do("choose files", chromedp.SetUploadFiles(chromedp.CSS("#f-file"), files, chromedp.NodeReady))
		tb.press(`[data-testid="upload"] button[type="submit"]`)
		summary := eval[string](tb, `new Promise(function (r) { var n = 0; (function poll() {
			var s = document.querySelector('[data-testid="upload-summary"]');
			if (s && !s.hidden) { r(s.textContent); return; }
			if (++n > 100) { r(""); return; } setTimeout(poll, 100); })(); })`)
		if !strings.Contains(summary, "0 of 2 files uploaded") {
			t.Errorf("upload summary = %q", summary)
		}
		got := tb.text(`[data-testid="upload-list"]`)
		t.Logf("per-file lines: %q", got)
		if strings.Count(got, "failed:") != 2 {
			t.Errorf("per-file lines = %q, want two failures with their reasons", got)
		}
		tb.screen("upload-failed")
	}

	// A new folder.
	tb.open(folder)
	tb.fill("#f-new_folder", "made")
	if st := tb.click(`[data-testid="new-folder"] button[type="submit"]`); st != 200 {
		tb.fatalf("new folder: status %d", st)
	}
	if _, ok := c.OSCAR.Object(bucket, "results/made/"); !ok {
		t.Error("the folder was not made")
	}

	// Move a.txt into it.
	tb.open(folder)
	if st := tb.click(`a[aria-label="Move or rename a.txt"]`); st != 200 {
		tb.fatalf("move page: status %d", st)
	}
	tb.fill("#f-to", "results/made/a-moved.txt")
	tb.screen("object-move")
	if st := tb.click(`[data-testid="move"]`); st != 200 {
		tb.fatalf("move: status %d", st)
	}
	if _, ok := c.OSCAR.Object(bucket, "results/made/a-moved.txt"); !ok {
		t.Error("a.txt was not moved")
	}

	// A zip of a file and a folder.
	tb.open(folder)
	tb.press(`input[name="key"][value="results/b.txt"]`)
	tb.press(`input[name="folder"][value="results/made/"]`)
	data := tb.download(`[data-testid="zip-selected"]`)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.fatalf("the download is not a zip: %v", err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name == "b.txt" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if string(b) != "content of b.txt" {
				t.Errorf("b.txt in the zip = %q", b)
			}
		}
	}
	slices.Sort(names)
	if strings.Join(names, ",") != "b.txt,made/a-moved.txt" {
		t.Errorf("zip entries = %v", names)
	}

	// Delete the same selection, after one confirmation.
	tb.open(folder)
	tb.press(`input[name="key"][value="results/b.txt"]`)
	tb.press(`input[name="folder"][value="results/made/"]`)
	if st := tb.click(`[data-testid="delete-selected"]`); st != 200 {
		tb.fatalf("delete selection: status %d", st)
	}
	if n := tb.count(`[data-testid="delete-keys"] li`); n != 3 {
		t.Errorf("the confirmation lists %d files, want 3 (b.txt, the folder and its file)", n)
	}
	tb.screen("objects-delete")
	if st := tb.click(`[data-testid="confirm-delete"]`); st != 200 {
		tb.fatalf("confirm delete: status %d", st)
	}
	for _, k := range []string{"results/b.txt", "results/made/", "results/made/a-moved.txt"} {
		if _, ok := c.OSCAR.Object(bucket, k); ok {
			t.Errorf("%s still there after the delete", k)
		}
	}
	if _, ok := c.OSCAR.Object(bucket, "results/run.log"); !ok {
		t.Error("an unselected file was deleted")
	}

	// Visibility: restricted without users is refused next to the field, then public is saved.
	tb.open("/buckets/" + bucket)
	tb.set("#f-visibility", "restricted")
	if st := tb.click(`[data-testid="save-visibility"]`); st != 422 {
		t.Errorf("restricted without users: status %d, want 422", st)
	}
	tb.checkInvalid("#f-allowed_users")
	tb.screen("bucket-visibility-invalid")
	tb.set("#f-visibility", "public")
	if st := tb.click(`[data-testid="save-visibility"]`); st != 200 {
		tb.fatalf("save visibility: status %d", st)
	}
	if got := tb.attr(`#f-visibility option[selected]`, "value"); got != "public" {
		t.Errorf("visibility shown after saving = %q", got)
	}
}

// deleteBucket deletes a bucket in the fake OSCAR as its admin would.
func deleteBucket(c *console, name string) error {
	req, _ := http.NewRequest(http.MethodDelete, c.Endpoint()+"/system/buckets/"+name, nil)
	req.SetBasicAuth(basicUser, basicPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("delete bucket %s: status %d", name, resp.StatusCode)
	}
	return nil
}
