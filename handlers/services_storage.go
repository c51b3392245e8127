package handlers

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/bucket"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// A service's other storage (S3, Onedata, WebDAV/dCache), read-only: the folders its inputs and
// outputs declare for such a provider, listed, previewed and downloaded through the console with
// the credentials the service's definition holds. They stay on the server: the browser sees only
// the provider's kind.id and paths. oscar.RemoteList and oscar.RemoteGet apply the endpoint policy
// to the provider's address.

// serviceStorage reads {name}, ?provider= and ?path= and finds the provider in the service's
// definition, with the folders (roots) its inputs and outputs declare for it. The path must be one
// of them or below one.
func (p *Pages) serviceStorage(r *http.Request) (svc string, prov oscar.ProviderEntry, roots []string, dir string, err error) {
	svc = r.PathValue("name")
	if !validName(svc) {
		return "", prov, nil, "", notFound("There is no service with that name.")
	}
	q := r.URL.Query()
	id := q.Get("provider")
	kind, _, _ := strings.Cut(id, ".")
	if !bucket.Browsable(kind) {
		return "", prov, nil, "", notFound("The console can browse only S3, Onedata and WebDAV storage.")
	}
	ep, cr := p.creds(r)
	s, err := p.oscar.Service(r.Context(), ep, cr, svc, false)
	if err != nil {
		return "", prov, nil, "", fmt.Errorf("handlers: get service %q for its storage: %w", svc, err)
	}
	found := false
	for _, e := range s.StorageProviders.Entries() {
		if e.Kind+"."+e.ID == id {
			prov, found = e, true
		}
	}
	for _, io := range append(append([]oscar.StorageIOConfig(nil), s.Input...), s.Output...) {
		if io.StorageProvider == id {
			if root, ok := bucket.CleanRemotePath(io.Path); ok && root != "" {
				roots = append(roots, root)
			}
		}
	}
	if !found || len(roots) == 0 {
		return "", prov, nil, "", notFound("Service " + svc + " declares no folder on storage " + id + ".")
	}
	dir, ok := bucket.CleanRemotePath(cmp.Or(q.Get("path"), roots[0]))
	if !ok || !bucket.Within(roots, dir) {
		return "", prov, nil, "", badRequest("The console shows only the folders the service declares for " + id + ": " + strings.Join(roots, ", ") + ".")
	}
	return svc, prov, roots, dir, nil
}

// storageURL is the console's URL of one of a service's storage pages.
func storageURL(svc, id, sub, p string) string {
	return withQuery(servicePath(svc, "storage")+sub, url.Values{"provider": {id}, "path": {p}})
}

// browseServiceStorage handles "GET /services/{name}/storage?provider=&path=": one folder.
func (p *Pages) browseServiceStorage(w http.ResponseWriter, r *http.Request) error {
	svc, prov, roots, dir, err := p.serviceStorage(r)
	if err != nil {
		return err
	}
	id := prov.Kind + "." + prov.ID
	entries, err := p.oscar.RemoteList(r.Context(), prov, dir)
	if err != nil {
		return fmt.Errorf("handlers: list %s of service %q: %w", id, svc, err)
	}
	props := templates.RemoteProps{Service: svc, ServiceURL: servicePath(svc), Provider: id,
		Label: oscar.ProviderLabel(prov.Kind), Path: dir}
	acc := ""
	for i, seg := range strings.Split(dir, "/") {
		if i > 0 {
			acc += "/"
		}
		acc += seg
		c := templates.Crumb{Label: seg}
		if acc != dir && bucket.Within(roots, acc) {
			c.URL = storageURL(svc, id, "", acc)
		}
		props.Crumbs = append(props.Crumbs, c)
	}
	for _, e := range entries {
		row := templates.RemoteRow{Name: e.Name, Dir: e.Dir, Modified: showTime(e.Modified)}
		if e.Size >= 0 {
			row.Size = humanBytes(e.Size)
		}
		if e.Dir {
			row.URL = storageURL(svc, id, "", e.Path)
		} else {
			row.URL = storageURL(svc, id, "/file", e.Path)
			if k := bucket.KindOf(e.Name); k != bucket.None && k != bucket.Hostile {
				row.PreviewURL = storageURL(svc, id, "/preview", e.Path)
			}
		}
		props.Rows = append(props.Rows, row)
	}
	return p.render(w, r, http.StatusOK, templates.RemotePage(p.layout(r, "Storage "+id+" of "+svc, "services"), props))
}

// previewServiceFile handles "GET /services/{name}/storage/preview?provider=&path=": one file of a
// service's storage shown as a bucket object's preview is.
func (p *Pages) previewServiceFile(w http.ResponseWriter, r *http.Request) error {
	svc, prov, _, file, err := p.serviceStorage(r)
	if err != nil {
		return err
	}
	id := prov.Kind + "." + prov.ID
	props := templates.PreviewProps{Bucket: id, Key: file, Name: path.Base(file),
		BackURL:     storageURL(svc, id, "", path.Dir(file)),
		DownloadURL: storageURL(svc, id, "/file", file),
		OpenURL:     withQuery(storageURL(svc, id, "/file", file), url.Values{"inline": {"1"}}),
		Crumbs:      []templates.Crumb{{Label: svc, URL: servicePath(svc)}, {Label: id, URL: storageURL(svc, id, "", path.Dir(file))}, {Label: path.Base(file)}},
	}
	if previewKind(file, &props) {
		body, size, err := p.oscar.RemoteGet(r.Context(), prov, file)
		if err != nil {
			return fmt.Errorf("handlers: preview from %s of service %q: %w", id, svc, err)
		}
		defer body.Close()
		if err := fillPreview(body, size, file, &props); err != nil {
			return fmt.Errorf("handlers: preview from %s of service %q: %w", id, svc, err)
		}
	}
	return p.render(w, r, http.StatusOK, templates.PreviewPage(p.layout(r, props.Name+" in "+id, "services"), props))
}

// downloadServiceFile handles "GET /services/{name}/storage/file?provider=&path=[&inline=1]": one
// file streamed from the provider, an attachment unless inline is asked for a type
// bucket.InlineType allows (the preview's image or PDF).
func (p *Pages) downloadServiceFile(w http.ResponseWriter, r *http.Request) error {
	svc, prov, _, file, err := p.serviceStorage(r)
	if err != nil {
		return err
	}
	body, size, err := p.oscar.RemoteGet(r.Context(), prov, file)
	if err != nil {
		return fmt.Errorf("handlers: download from %s.%s of service %q: %w", prov.Kind, prov.ID, svc, err)
	}
	defer body.Close()
	ctype, inline := bucket.InlineType(file)
	p.serveBody(w, r, body, size, file, ctype, inline && r.URL.Query().Get("inline") == "1")
	return nil
}
