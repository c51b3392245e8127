package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/hub"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/wizard"
)

// crateDraft reads the crate the URL names and its service (fdl.yml and script.sh, as the FDL import reads them) into a
// new-service draft: the name the form posts (the crate page proposed a free one), the user's VO
// preset, the cluster's MinIO. It also returns the parameters the user must fill.
func (p *Pages) crateDraft(r *http.Request) (*crateDeploy, error) {
	lc, err := p.crateOf(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	fdlText, err := p.crateFile(ctx, lc, hub.FDLFile)
	if err != nil {
		return nil, err
	}
	script, err := p.crateFile(ctx, lc, hub.ScriptFile)
	if err != nil {
		return nil, err
	}
	svc, _, err := hub.ServiceOf(fdlText, script)
	if err != nil {
		return nil, &userError{http.StatusUnprocessableEntity, "This crate cannot be deployed",
			"Its fdl.yml is not an FDL file with one service. Check the crate to see why."}
	}
	if name := r.PostForm.Get("name"); wizard.CheckName(name) == "" {
		hub.Rename(&svc, name)
	}
	env := p.wizardEnv(r)
	svc.VO = hub.PresetVO(svc.VO, env.Features.VOs, env.UserVOs)
	return &crateDeploy{lc: lc, draft: wizard.FromService(svc, wizard.ModeNew), env: env, params: hub.RequiredParams(svc)}, nil
}

// crateDeploy is a crate read for a deploy: its draft, the wizard's view of the cluster, and the
// parameters the user must fill.
type crateDeploy struct {
	lc     *loadedCrate
	draft  *wizard.Draft
	env    wizard.Env
	params []string
}

// deployCrate handles "POST /hub/{source}/{crate}/deploy": the crate loaded into the service wizard
// as an FDL import is, to be checked and created on its Review step.
func (p *Pages) deployCrate(w http.ResponseWriter, r *http.Request) error {
	cd, err := p.crateDraft(r)
	if err != nil {
		return err
	}
	return p.openCrateDraft(w, r, cd)
}

func (p *Pages) openCrateDraft(w http.ResponseWriter, r *http.Request, cd *crateDeploy) error {
	lc, d, params := cd.lc, cd.draft, cd.params
	wz := wizard.Ref{Mode: wizard.ModeNew}
	if err := p.storeDraft(r, wz, d); err != nil {
		return err
	}
	data := &p.session(r).Data
	data.AddFlash(fmt.Sprintf("Loaded %s from the OSCAR Hub as service %s. Check each step, then create it on the Review step.",
		lc.crate.Title(), d.Service.Name))
	if len(params) > 0 {
		data.AddFlash("Fill these before it runs (General step, environment): " + strings.Join(params, ", ") + ".")
	}
	return p.redirect(w, r, wz.StepURL(wizard.General))
}

// deployCrateNow handles "POST /hub/{source}/{crate}/deploy-now": a crate without required
// parameters created at once, through the wizard's own create (createDraft: its checks, OSCAR's
// refusals shown on the wizard step they concern). A crate that needs parameters goes to the wizard.
func (p *Pages) deployCrateNow(w http.ResponseWriter, r *http.Request) error {
	cd, err := p.crateDraft(r)
	if err != nil {
		return err
	}
	if len(cd.params) > 0 {
		return p.openCrateDraft(w, r, cd)
	}
	unlock, err := p.sessions.Lock(r.Context(), p.session(r), submitLockTTL)
	if err != nil {
		return fmt.Errorf("handlers: hub: deploy now: %w", err)
	}
	defer unlock()
	next := crateURL(cd.lc.src.slug, cd.lc.crate.Dir) + "?deployed=" + url.QueryEscape(cd.draft.Service.Name) + "#samples-title"
	return p.createDraft(w, r, wizard.Ref{Mode: wizard.ModeNew}, cd.draft, cd.env, next)
}

// uploadCrateSamples handles "POST /hub/{source}/{crate}/samples": the crate's sample inputs put
// into the input folder of the named service on the cluster's MinIO (through a presigned PUT, as
// the bucket upload does), so OSCAR starts a job for each.
func (p *Pages) uploadCrateSamples(w http.ResponseWriter, r *http.Request) error {
	lc, err := p.crateOf(r)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(r.PostForm.Get("service"))
	fail := func(msg string) error {
		props, err := p.crateProps(r, lc)
		if err != nil {
			return err
		}
		props.SampleService = name
		props.Errors["service"] = msg
		return p.renderCrate(w, r, http.StatusUnprocessableEntity, props)
	}
	if msg := wizard.CheckName(name); msg != "" {
		return fail(msg)
	}
	ctx := r.Context()
	ep, cr := p.creds(r)
	svc, err := p.oscar.Service(ctx, ep, cr, name, false)
	var oe *oscar.Error
	switch {
	case errors.As(err, &oe) && (oe.Status == http.StatusNotFound || oe.Status == http.StatusForbidden):
		return fail("There is no service " + name + " of yours on this cluster. Deploy the crate first.")
	case err != nil:
		return fmt.Errorf("handlers: hub: samples for %s: %w", name, err)
	}
	bucket, folder, err := hub.SampleTarget(*svc)
	if err != nil {
		return fail("Service " + name + " has no input on the cluster's MinIO, so it has nowhere to take the samples from.")
	}
	var done []string
	for _, part := range lc.crate.Samples {
		if !lc.has(part) {
			continue
		}
		b, err := p.crateFile(ctx, lc, part)
		if err != nil {
			return err
		}
		key := path.Join(folder, path.Base(part))
		link, err := p.presignUpload(ctx, ep, cr, bucket)(key)
		if err != nil {
			return err
		}
		if err := p.oscar.PutObject(ctx, link.URL, link.Headers, bytes.NewReader(b), int64(len(b))); err != nil {
			return fmt.Errorf("handlers: hub: upload sample %q to %q: %w", key, bucket, err)
		}
		done = append(done, path.Base(part))
	}
	if len(done) == 0 {
		return fail("The crate has no sample inputs to upload.")
	}
	p.session(r).Data.AddFlash(fmt.Sprintf("Uploaded %s to %s: OSCAR starts a job for each file.",
		strings.Join(done, ", "), strings.TrimSuffix(bucket+"/"+folder, "/")))
	return p.redirect(w, r, servicePath(name, "jobs"))
}

// checkCrate handles "GET /hub/{source}/{crate}/check": the crate checked against what OSCAR Hub
// requires (hub.Check), reading its files from the source.
func (p *Pages) checkCrate(w http.ResponseWriter, r *http.Request) error {
	lc, err := p.crateOf(r)
	if err != nil {
		return err
	}
	files := remoteCrate{p: p, r: r, lc: lc}
	props := templates.CrateCheckProps{Name: lc.crate.Title(), Back: crateURL(lc.src.slug, lc.crate.Dir), Checked: true,
		Problems: problemRows(hub.Check(files))}
	return p.render(w, r, http.StatusOK, templates.CrateCheckPage(p.layout(r, "Check "+lc.crate.Title(), "hub"), props))
}

// remoteCrate is a crate of a source as hub.Check reads it.
type remoteCrate struct {
	p  *Pages
	r  *http.Request
	lc *loadedCrate
}

func (c remoteCrate) Has(part string) bool { return c.lc.has(part) }

func (c remoteCrate) Read(part string) ([]byte, error) {
	f, err := c.p.remote.Get(c.r.Context(), c.lc.src.src, hub.PartPath(c.lc.crate.Dir, part))
	return f.Body, err
}

func problemRows(ps []hub.Problem) []templates.KV {
	var out []templates.KV
	for _, pr := range ps {
		out = append(out, templates.KV{Key: pr.Where, Value: pr.Msg})
	}
	return out
}

func checkProps() templates.CrateCheckProps {
	return templates.CrateCheckProps{Errors: templates.FieldErrors{}, MaxMiB: hub.MaxZip >> 20}
}

// showCrateCheck handles "GET /hub/validate": the form to check a crate folder uploaded as a zip.
func (p *Pages) showCrateCheck(w http.ResponseWriter, r *http.Request) error {
	return p.render(w, r, http.StatusOK, templates.CrateCheckPage(p.layout(r, "Check a crate", "hub"), checkProps()))
}

// checkUploadedCrate handles "POST /hub/validate": a crate folder uploaded as a zip, read in memory
// (its body is bounded in routes.go; no file is written to disk) and checked with hub.Check.
func (p *Pages) checkUploadedCrate(w http.ResponseWriter, r *http.Request) error {
	props := checkProps()
	fail := func(msg string) error {
		props.Errors["crate"] = msg
		return p.render(w, r, http.StatusUnprocessableEntity, templates.CrateCheckPage(p.layout(r, "Check a crate", "hub"), props))
	}
	body, name, err := readZipUpload(r)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return fail(fmt.Sprintf("The zip is larger than %d MiB.", hub.MaxZip>>20))
	case err != nil:
		return badRequest("The form could not be read. Go back and try again.")
	case len(body) == 0:
		return fail("Choose the zip of the crate's folder.")
	}
	files, refused, err := hub.ReadZip(body)
	if errors.Is(err, hub.ErrNotZip) {
		return fail("The file is not a zip archive.")
	}
	if err != nil {
		return fail(upperFirstWord(strings.TrimPrefix(err.Error(), "hub: ")) + ".")
	}
	props.Checked, props.Name = true, name
	props.Problems = problemRows(append(refused, hub.Check(files)...))
	return p.render(w, r, http.StatusOK, templates.CrateCheckPage(p.layout(r, "Check a crate", "hub"), props))
}

// readZipUpload reads the "crate" file of a multipart form into memory, bounded by hub.MaxZip
// (ParseMultipartForm would spool a large part to disk).
func readZipUpload(r *http.Request) ([]byte, string, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", err
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, "", nil
		}
		if err != nil {
			return nil, "", err
		}
		if part.FormName() != "crate" {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, hub.MaxZip+1))
		if err != nil {
			return nil, "", err
		}
		if len(b) > hub.MaxZip {
			return nil, "", &http.MaxBytesError{Limit: hub.MaxZip}
		}
		name := strings.TrimSuffix(path.Base(part.FileName()), ".zip")
		if name == "." || name == "/" || name == "" {
			name = "the crate"
		}
		return b, name, nil
	}
}
