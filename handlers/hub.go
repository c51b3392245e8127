package handlers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/hub"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/remote"
	"github.com/oscarconsole/oscar-console/web/wizard"
)

// hubSource is one of the OSCAR Hub's catalogues and its name in the console's URLs.
type hubSource struct {
	slug string
	src  remote.Source
}

func hubSources(srcs []remote.Source) []hubSource {
	labels := make([]string, len(srcs))
	for i, s := range srcs {
		labels[i] = s.Label()
	}
	var out []hubSource
	for i, slug := range hub.Slugs(labels) {
		out = append(out, hubSource{slug: slug, src: srcs[i]})
	}
	return out
}

// requireHub answers every Hub route with a 404 page when the Hub is off (no CONSOLE_HUB_SOURCES).
func (p *Pages) requireHub(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(p.hub) == 0 {
			p.fail(w, r, notFound("The OSCAR Hub is not enabled on this console."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// crateURL is the console's URL of a crate's page, or of one of its routes (sub) and file.
func crateURL(slug, dir string, sub ...string) string {
	u := "/hub/" + url.PathEscape(slug) + "/" + url.PathEscape(dir)
	for _, s := range sub {
		for _, seg := range strings.Split(s, "/") {
			u += "/" + url.PathEscape(seg)
		}
	}
	return u
}

// maxConcurrentFetches bounds the files the Hub page asks a source for at once.
const maxConcurrentFetches = 8

// catalogue is what one source gave the Hub page.
type catalogue struct {
	src     hubSource
	crates  []hub.Crate
	stale   string // the age of the copy shown when the source is down
	problem string // why the source shows nothing
}

// readCatalogue lists a source and reads each crate's metadata, concurrently. A source never
// reached gives a problem; a crate whose metadata cannot be read is left out (and logged).
func (p *Pages) readCatalogue(ctx context.Context, s hubSource) catalogue {
	out := catalogue{src: s}
	l, err := p.remote.List(ctx, s.src)
	if err != nil {
		p.log.InfoContext(ctx, "hub: source unavailable", "source", s.src.String(), "err", err)
		out.problem = s.src.Label() + " could not be read and the console has no copy of it yet. Its crates are missing below; try again later."
		return out
	}
	if l.Stale != nil {
		out.stale = age(p.now().Sub(l.Fetched))
	}
	dirs := hub.CrateDirs(l.Paths)
	crates := make([]*hub.Crate, len(dirs))
	g, gctx := newCalls(ctx)
	g.SetLimit(maxConcurrentFetches)
	for i, dir := range dirs {
		g.Go(func() error {
			f, err := p.remote.Get(gctx, s.src, hub.PartPath(dir, hub.MetadataFile))
			if err != nil {
				p.log.InfoContext(ctx, "hub: crate unreadable", "source", s.src.String(), "crate", dir, "err", err)
				return nil
			}
			c, err := hub.ParseMetadata(dir, f.Body)
			if err != nil {
				p.log.InfoContext(ctx, "hub: crate metadata invalid", "source", s.src.String(), "crate", dir, "err", err)
				return nil
			}
			crates[i] = &c
			return nil
		})
	}
	_ = g.Wait()
	for _, c := range crates {
		if c != nil {
			out.crates = append(out.crates, *c)
		}
	}
	return out
}

// listHub handles "GET /hub": every source's crates as cards, with a search and a type filter.
func (p *Pages) listHub(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	query := strings.TrimSpace(q.Get("q"))
	if len(query) > 200 {
		query = query[:200]
	}
	typ := q.Get("type")
	if !slices.Contains(hub.Types, typ) {
		typ = ""
	}
	cats := make([]catalogue, len(p.hub))
	g, ctx := newCalls(r.Context())
	for i, s := range p.hub {
		g.Go(func() error {
			cats[i] = p.readCatalogue(ctx, s)
			return nil
		})
	}
	_ = g.Wait()
	props := templates.HubProps{Query: query, Type: typ, Types: hub.Types}
	titles := map[string]int{}
	for _, c := range cats {
		for _, cr := range c.crates {
			titles[strings.ToLower(cr.Title())]++
		}
	}
	for _, c := range cats {
		props.Sources = append(props.Sources, templates.HubSource{Label: c.src.src.Label(), Stale: c.stale, Problem: c.problem})
		slices.SortFunc(c.crates, func(a, b hub.Crate) int { return cmp.Compare(strings.ToLower(a.Title()), strings.ToLower(b.Title())) })
		for _, cr := range c.crates {
			props.Total++
			if !cr.Matches(query, typ) {
				continue
			}
			name := cr.Title()
			if titles[strings.ToLower(name)] > 1 {
				name += " (" + c.src.src.Label() + ")"
			}
			card := templates.HubCard{Name: name, Summary: cr.Summary(), Type: cr.Type, CPU: cr.CPU, Memory: cr.Memory,
				Version: cr.Version, URL: crateURL(c.src.slug, cr.Dir), Source: c.src.src.Label()}
			if cr.GPUs() > 0 {
				card.GPU = cr.GPU
			}
			if hub.RasterName(cr.Icon) {
				card.IconURL = crateURL(c.src.slug, cr.Dir, "icon")
			}
			props.Cards = append(props.Cards, card)
		}
	}
	return p.render(w, r, http.StatusOK, templates.HubPage(p.layout(r, "OSCAR Hub", "hub"), props))
}

// age says how old a copy is, in words.
func age(d time.Duration) string {
	switch {
	case d < 2*time.Minute:
		return "a minute"
	case d < 2*time.Hour:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

// loadedCrate is a crate read from its source for one request.
type loadedCrate struct {
	src     hubSource
	crate   hub.Crate
	listing remote.Listing
	stale   string
}

// crateOf reads which crate the URL names and loads its metadata.
func (p *Pages) crateOf(r *http.Request) (*loadedCrate, error) {
	slug, dir := r.PathValue("source"), r.PathValue("crate")
	i := slices.IndexFunc(p.hub, func(s hubSource) bool { return s.slug == slug })
	if i < 0 || !hub.ValidDir(dir) {
		return nil, notFound("There is no such crate in the OSCAR Hub.")
	}
	s := p.hub[i]
	ctx := r.Context()
	l, err := p.remote.List(ctx, s.src)
	if err != nil {
		return nil, hubUnavailable(s, err)
	}
	meta := hub.PartPath(dir, hub.MetadataFile)
	if !l.Has(meta) {
		return nil, notFound("There is no crate " + dir + " in " + s.src.Label() + ".")
	}
	f, err := p.remote.Get(ctx, s.src, meta)
	if err != nil {
		return nil, hubUnavailable(s, err)
	}
	c, err := hub.ParseMetadata(dir, f.Body)
	if err != nil {
		return nil, &userError{http.StatusBadGateway, "This crate cannot be read",
			"Its ro-crate-metadata.json is not an RO-Crate, so the console cannot show or deploy it."}
	}
	lc := &loadedCrate{src: s, crate: c, listing: l}
	if l.Stale != nil || f.Stale != nil {
		lc.stale = age(p.now().Sub(earlier(l.Fetched, f.Fetched)))
	}
	return lc, nil
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// hubUnavailable is the page for a source that cannot be read and has no copy in the cache.
func hubUnavailable(s hubSource, err error) error {
	var re *remote.Error
	if errors.As(err, &re) && re.NotFound {
		return notFound("There is no such crate in " + s.src.Label() + ".")
	}
	return &userError{http.StatusBadGateway, "The catalogue did not answer",
		s.src.Label() + " could not be read and the console has no copy of it yet. Try again later."}
}

// has reports whether the crate holds part (a path inside it).
func (lc *loadedCrate) has(part string) bool {
	return remote.ValidPath(part) && lc.listing.Has(hub.PartPath(lc.crate.Dir, part))
}

// file reads one file of the crate.
func (p *Pages) crateFile(ctx context.Context, lc *loadedCrate, part string) ([]byte, error) {
	if !lc.has(part) {
		return nil, notFound("The crate has no file " + path.Base(part) + ".")
	}
	f, err := p.remote.Get(ctx, lc.src.src, hub.PartPath(lc.crate.Dir, part))
	if err != nil {
		var re *remote.Error
		if errors.As(err, &re) && re.TooLarge {
			return nil, notFound("The file " + path.Base(part) + " is too large for the console to serve.")
		}
		return nil, hubUnavailable(lc.src, err)
	}
	return f.Body, nil
}

// showCrate handles "GET /hub/{source}/{crate}": the crate's page.
func (p *Pages) showCrate(w http.ResponseWriter, r *http.Request) error {
	lc, err := p.crateOf(r)
	if err != nil {
		return err
	}
	props, err := p.crateProps(r, lc)
	if err != nil {
		return err
	}
	if d := r.URL.Query().Get("deployed"); wizard.CheckName(d) == "" {
		props.SampleService = d
	}
	return p.renderCrate(w, r, http.StatusOK, props)
}

func (p *Pages) renderCrate(w http.ResponseWriter, r *http.Request, status int, props templates.CrateProps) error {
	return p.render(w, r, status, templates.CratePage(p.layout(r, props.Name, "hub"), props))
}

// crateProps reads the crate's README, FDL and script and the user's services (for a free name),
// concurrently, and fills its page.
func (p *Pages) crateProps(r *http.Request, lc *loadedCrate) (templates.CrateProps, error) {
	c, slug := lc.crate, lc.src.slug
	var readme, fdlText, script []byte
	var services []oscar.ServiceSummary
	g, ctx := newCalls(r.Context())
	if c.Readme == "" {
		// Crates often leave their README out of hasPart.
		for _, name := range []string{"README.md", "readme.md", "Readme.md"} {
			if lc.has(name) {
				c.Readme = name
				break
			}
		}
	}
	if c.Readme != "" && lc.has(c.Readme) {
		g.Go(func() error {
			b, err := p.crateFile(ctx, lc, c.Readme)
			if err != nil {
				p.log.InfoContext(ctx, "hub: README unreadable", "crate", c.Dir, "err", err)
			}
			readme = b
			return nil
		})
	}
	g.Go(func() (err error) { fdlText, err = p.crateFile(ctx, lc, hub.FDLFile); return err })
	g.Go(func() (err error) { script, err = p.crateFile(ctx, lc, hub.ScriptFile); return err })
	g.Go(func() error {
		ep, cr := p.creds(r)
		list, err := p.oscar.ServiceSummaries(ctx, ep, cr, false)
		if err != nil {
			p.log.InfoContext(ctx, "hub: services unknown, the crate's own name is proposed", "err", err)
		}
		services = list
		return nil
	})
	if err := g.Wait(); err != nil {
		return templates.CrateProps{}, err
	}
	props := templates.CrateProps{
		Name: c.Title(), Description: c.Description, Source: lc.src.src.Label(), Stale: lc.stale,
		FDL: string(fdlText), Script: string(script), Errors: templates.FieldErrors{},
		CheckURL: crateURL(slug, c.Dir, "check"), DeployURL: crateURL(slug, c.Dir, "deploy"),
		DeployNowURL: crateURL(slug, c.Dir, "deploy-now"), SamplesURL: crateURL(slug, c.Dir, "samples"),
	}
	if hub.RasterName(c.Icon) {
		props.IconURL = crateURL(slug, c.Dir, "icon")
	}
	gpu := ""
	if c.GPUs() > 0 {
		gpu = c.GPU
	}
	for _, kv := range [][2]string{{"Type", c.Type}, {"CPU", c.CPU}, {"Memory", c.Memory}, {"GPU", gpu},
		{"Version", c.Version}, {"License", c.License}, {"Author", c.Author}, {"Catalogue", lc.src.src.Label()}} {
		if kv[1] != "" {
			props.Details = append(props.Details, templates.KV{Key: kv[0], Value: kv[1]})
		}
	}
	if readme != nil {
		props.ReadmeHTML = hub.RenderReadme(readme, func(part string) (string, bool) {
			return crateURL(slug, c.Dir, "images", part), lc.has(part)
		})
	}
	for _, s := range c.Samples {
		if lc.has(s) {
			props.Samples = append(props.Samples, templates.CrateFile{Name: path.Base(s), URL: crateURL(slug, c.Dir, "files", s)})
		}
	}
	svc, _, err := hub.ServiceOf(fdlText, script)
	if err != nil {
		props.Problem = "This crate cannot be deployed: its fdl.yml is not an FDL file with one service. Check the crate to see why."
		return props, nil
	}
	props.Params = hub.RequiredParams(svc)
	props.ServiceName = hub.UniqueName(svc.Name, func(n string) bool {
		return slices.ContainsFunc(services, func(s oscar.ServiceSummary) bool { return s.Name == n })
	})
	props.SampleService = svc.Name
	if _, _, err := hub.SampleTarget(svc); err != nil {
		props.SamplesURL = "" // its service takes input when invoked, not from a bucket
	}
	return props, nil
}

// showCrateIcon handles "GET /hub/{source}/{crate}/icon": the crate's icon, served by the console.
func (p *Pages) showCrateIcon(w http.ResponseWriter, r *http.Request) error {
	lc, err := p.crateOf(r)
	if err != nil {
		return err
	}
	if lc.crate.Icon == "" {
		return notFound("The crate has no icon.")
	}
	return p.sendCrateImage(w, r, lc, lc.crate.Icon)
}

// showCrateImage handles "GET /hub/{source}/{crate}/images/{path...}": an image of the crate's
// README.
func (p *Pages) showCrateImage(w http.ResponseWriter, r *http.Request) error {
	lc, err := p.crateOf(r)
	if err != nil {
		return err
	}
	part, err := url.PathUnescape(r.PathValue("*"))
	if err != nil || !lc.has(part) {
		return notFound("The crate has no such image.")
	}
	return p.sendCrateImage(w, r, lc, part)
}

// sendCrateImage serves a crate's image: PNG, JPEG, WebP or GIF by its bytes (never SVG), at most
// hub.MaxIcon, cached by the browser for an hour.
func (p *Pages) sendCrateImage(w http.ResponseWriter, r *http.Request, lc *loadedCrate, part string) error {
	b, err := p.crateFile(r.Context(), lc, part)
	if err != nil {
		return err
	}
	ctype, ok := hub.ImageType(b)
	if !ok || len(b) > hub.MaxIcon {
		return notFound("The crate's image is not a PNG, JPEG, WebP or GIF of at most 256 KiB, so the console does not show it.")
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("Content-Length", fmt.Sprint(len(b)))
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(b)
	return err
}

// downloadCrateFile handles "GET /hub/{source}/{crate}/files/{path...}": a sample input of the
// crate, as an attachment.
func (p *Pages) downloadCrateFile(w http.ResponseWriter, r *http.Request) error {
	lc, err := p.crateOf(r)
	if err != nil {
		return err
	}
	part, err := url.PathUnescape(r.PathValue("*"))
	if err != nil || !slices.Contains(lc.crate.Samples, part) {
		return notFound("The crate has no such sample input.")
	}
	b, err := p.crateFile(r.Context(), lc, part)
	if err != nil {
		return err
	}
	return p.download(w, r, path.Base(part), "application/octet-stream", b)
}
