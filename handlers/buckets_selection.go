package handlers

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/bucket"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// Several objects at once: the bucket page's table is one form whose check boxes name objects (key)
// and folders (folder); its buttons post the selection to zipObjects (one zip streamed by the
// console) or to confirmDeleteObjects (one confirmation for all of them). A selected folder means
// every object under it: OSCAR lists a bucket flat, so the selection is expanded from the listing.

const (
	// maxSelectionScan bounds the OSCAR pages read to expand a selection (70 objects each).
	maxSelectionScan = 200
	// maxSelected bounds the objects one selection may name once expanded.
	maxSelected = 1000
	// defaultZipLimit bounds the bytes of one zip (the listing's sizes, checked before it starts).
	defaultZipLimit = 4 << 30
	// deleteWorkers is how many objects are deleted at once.
	deleteWorkers = 4
)

// readSelection reads the posted selection: its folder (prefix) and the ticked keys and folders.
func readSelection(r *http.Request) (string, url.Values, bucket.Selection, error) {
	name, form, err := bucketForm(r)
	if err != nil {
		return "", nil, bucket.Selection{}, err
	}
	prefix, ok := cleanPrefix(form.Get("prefix"))
	if !ok {
		return "", nil, bucket.Selection{}, badRequest("That folder name is not valid.")
	}
	var sel bucket.Selection
	for _, k := range form["key"] {
		if !validKey(k) {
			return "", nil, sel, badRequest("One of the selected names is not valid.")
		}
		sel.Keys = append(sel.Keys, k)
	}
	for _, f := range form["folder"] {
		if f, ok = cleanPrefix(f); !ok || f == "" {
			return "", nil, sel, badRequest("One of the selected folder names is not valid.")
		}
		sel.Folders = append(sel.Folders, f)
	}
	if len(sel.Keys)+len(sel.Folders) > maxSelected {
		return "", nil, sel, badRequest(fmt.Sprintf("Select at most %d files and folders at once.", maxSelected))
	}
	form.Set("prefix", prefix)
	return name, form, sel, nil
}

// selectObjects expands sel from the bucket's listing. A bucket too large to list in
// maxSelectionScan pages is refused rather than half selected.
func (p *Pages) selectObjects(ctx context.Context, name string, ep oscar.Endpoint, cr oscar.Creds, sel bucket.Selection) ([]bucket.Object, error) {
	var listing []bucket.Object
	token := ""
	for i := 0; ; i++ {
		if i == maxSelectionScan {
			return nil, &userError{http.StatusUnprocessableEntity, "The bucket is too large",
				fmt.Sprintf("The console reads at most %d objects of a bucket to find a selection's files. Select files one by one, or use a storage client.", maxSelectionScan*objectsPerView)}
		}
		page, err := p.oscar.Bucket(ctx, ep, cr, name, token)
		if err != nil {
			return nil, fmt.Errorf("handlers: list bucket %q: %w", name, err)
		}
		for _, o := range page.Objects {
			listing = append(listing, bucket.Object{Key: o.Name, Size: o.Size, Modified: o.LastModified})
		}
		if page.NextPage == "" || page.NextPage == token {
			break
		}
		token = page.NextPage
	}
	objs, _ := bucket.Expand(listing, sel)
	if len(objs) > maxSelected {
		return nil, &userError{http.StatusUnprocessableEntity, "Too many files selected",
			fmt.Sprintf("The selection holds %d files; select at most %d at once.", len(objs), maxSelected)}
	}
	return objs, nil
}

// readSelected reads the posted selection and expands it. When there is nothing to do (nothing
// selected, or the selected files are gone) it has sent the browser back to the folder with a
// message, and objs is nil.
func (p *Pages) readSelected(w http.ResponseWriter, r *http.Request, verb string) (name, prefix string, objs []bucket.Object, err error) {
	name, form, sel, err := readSelection(r)
	if err != nil {
		return "", "", nil, err
	}
	prefix = form.Get("prefix")
	if sel.Empty() {
		return name, prefix, nil, p.backToFolder(w, r, name, prefix, "Select files or folders to "+verb+" first.")
	}
	ep, cr := p.creds(r)
	objs, err = p.selectObjects(r.Context(), name, ep, cr, sel)
	if err != nil {
		return "", "", nil, err
	}
	if len(objs) == 0 {
		return name, prefix, nil, p.backToFolder(w, r, name, prefix, "The selected files no longer exist.")
	}
	return name, prefix, objs, nil
}

// backToFolder sends the browser back to the folder a selection was made in, with a flash.
func (p *Pages) backToFolder(w http.ResponseWriter, r *http.Request, name, prefix, flash string) error {
	p.session(r).Data.AddFlash(flash)
	return p.redirect(w, r, withQuery(bucketPath(name), url.Values{"prefix": {prefix}}))
}

// zipObjects handles "POST /buckets/{bucket}/selection/zip": the selected objects and folders as one
// zip, written to the response as each object streams from MinIO (no temporary file; the memory
// used does not grow with the objects' sizes). The selection's size, from the listing, is checked
// against p.zipLimit before anything is sent.
func (p *Pages) zipObjects(w http.ResponseWriter, r *http.Request) error {
	name, prefix, objs, err := p.readSelected(w, r, "download")
	if err != nil || objs == nil {
		return err
	}
	ep, cr := p.creds(r)
	files, total := bucket.ZipFiles(objs)
	if msg := bucket.CheckZip(files, total, p.zipLimit, maxSelected, humanBytes); msg != "" {
		return &userError{http.StatusRequestEntityTooLarge, "The selection is too large to zip", msg}
	}
	zipName := name
	if prefix != "" {
		zipName += "-" + strings.ReplaceAll(strings.TrimSuffix(prefix, "/"), "/", "-")
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", attachment(zipName+".zip"))
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "no-store")
	if err := p.save(w, r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	zw := zip.NewWriter(w)
	budget := p.zipLimit // the listing's sizes may be stale: never send more than the limit
	for _, o := range files {
		n, err := p.zipObject(r.Context(), w, zw, ep, cr, name, prefix, o, budget)
		budget -= n
		if err != nil {
			if r.Context().Err() == nil {
				p.log.WarnContext(r.Context(), "zip interrupted", "bucket", name, "err", err)
			}
			// The headers are gone: abort so the browser reports a failed download, not a short zip.
			panic(http.ErrAbortHandler)
		}
	}
	if err := zw.Close(); err != nil {
		panic(http.ErrAbortHandler)
	}
	return nil
}

// errZipTooLarge stops a zip whose objects grew past the limit after the listing was read.
var errZipTooLarge = errors.New("handlers: zip over its limit")

// zipObject streams one object into the zip and returns the bytes it wrote.
func (p *Pages) zipObject(ctx context.Context, w http.ResponseWriter, zw *zip.Writer, ep oscar.Endpoint, cr oscar.Creds, name, prefix string, o bucket.Object, budget int64) (int64, error) {
	body, _, err := p.fetchObject(ctx, ep, cr, name, o.Key)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	fh := &zip.FileHeader{Name: bucket.ZipName(prefix, o.Key), Method: zip.Store}
	if t, err := time.Parse(time.RFC3339, o.Modified); err == nil {
		fh.Modified = t
	}
	fw, err := zw.CreateHeader(fh)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(fw, io.LimitReader(newKeepAlive(body, w), budget+1))
	if err == nil && n > budget {
		err = errZipTooLarge
	}
	return n, err
}

// confirmDeleteObjects handles "POST /buckets/{bucket}/selection/delete": the confirmation page for
// deleting the selection, listing every object it holds. It changes nothing.
func (p *Pages) confirmDeleteObjects(w http.ResponseWriter, r *http.Request) error {
	name, prefix, objs, err := p.readSelected(w, r, "delete")
	if err != nil || objs == nil {
		return err
	}
	props := templates.ObjectsDeleteProps{Bucket: name, Prefix: prefix, Action: bucketPath(name, "selection", "delete", "confirmed"),
		CancelURL: withQuery(bucketPath(name), url.Values{"prefix": {prefix}})}
	for _, o := range objs {
		props.Keys = append(props.Keys, o.Key)
	}
	return p.render(w, r, http.StatusOK, templates.ObjectsDeletePage(p.layout(r, fmt.Sprintf("Delete %d files", len(objs)), "buckets"), props))
}

// deleteObjects handles "POST /buckets/{bucket}/selection/delete/confirmed": deletes the confirmed
// objects (each as deleteObject does, a few at once) and says what could not be deleted.
func (p *Pages) deleteObjects(w http.ResponseWriter, r *http.Request) error {
	name, form, sel, err := readSelection(r)
	if err != nil {
		return err
	}
	prefix := form.Get("prefix")
	if len(sel.Keys) == 0 {
		return p.backToFolder(w, r, name, prefix, "Select files or folders to delete first.")
	}
	ep, cr := p.creds(r)
	var mu sync.Mutex
	var failed []string
	var firstErr error
	g := calls{new(errgroup.Group)}
	g.SetLimit(deleteWorkers)
	for _, key := range sel.Keys {
		g.Go(func() error {
			err := p.oscar.DeleteObject(r.Context(), ep, cr, name, key)
			var oe *oscar.Error
			if err != nil && errors.As(err, &oe) && oe.NotFound() {
				err = nil // already gone: what was asked is done
			}
			if err != nil {
				mu.Lock()
				failed = append(failed, key)
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait()
	done := len(sel.Keys) - len(failed)
	if done == 0 {
		return fmt.Errorf("handlers: delete %d objects in %q: %w", len(sel.Keys), name, firstErr)
	}
	msg := fmt.Sprintf("Deleted %d of %d files.", done, len(sel.Keys))
	if len(failed) > 0 {
		p.log.WarnContext(r.Context(), "bulk delete: some objects were not deleted", "bucket", name, "failed", len(failed), "err", firstErr)
		msg += " Not deleted: " + strings.Join(shortList(failed, 5), ", ") + "."
		var oe *oscar.Error
		if errors.As(firstErr, &oe) {
			msg += " " + oe.UserMessage()
		}
	}
	return p.backToFolder(w, r, name, prefix, msg)
}

// shortList is at most n names, then how many more.
func shortList(names []string, n int) []string {
	if len(names) <= n {
		return names
	}
	return append(append([]string(nil), names[:n]...), fmt.Sprintf("and %d more", len(names)-n))
}
