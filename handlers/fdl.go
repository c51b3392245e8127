package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/fdl"
	"github.com/oscarconsole/oscar-console/web/form"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/session"
	"github.com/oscarconsole/oscar-console/web/wizard"
)

// Limits of an FDL import: the FDL itself and the scripts uploaded beside it (all together).
const (
	maxImportBody    = 3 << 20
	maxImportScripts = 1 << 20
	importDraftKey   = "import" // session.Data.Drafts key of a file with several services
)

// pendingImport is an imported file with several services, kept until the user picks one.
type pendingImport struct {
	Services []oscar.Service `json:"services"`
	Clusters []string        `json:"clusters"`
	Missing  []string        `json:"missing"` // script file named but not uploaded, per service
	Keys     [][]string      `json:"keys"`    // the members the file gives, per service (fdl.File.Mentioned)
	Warnings []string        `json:"warnings,omitempty"`
}

// valid reports whether the lists of a pending import agree (a stored import is read back).
func (pi pendingImport) valid() bool {
	n := len(pi.Services)
	return n > 0 && len(pi.Clusters) == n && len(pi.Missing) == n && len(pi.Keys) == n
}

func (p *Pages) importProps(r *http.Request) templates.ImportProps {
	_, has := p.session(r).Data.Drafts[newKey()]
	return templates.ImportProps{HasDraft: has, MaxKiB: maxImportScripts >> 10, Errors: templates.FieldErrors{}}
}

func newKey() string { return wizard.Ref{Mode: wizard.ModeNew}.Key() }

// showImport handles "GET /services/import".
func (p *Pages) showImport(w http.ResponseWriter, r *http.Request) error {
	return p.render(w, r, http.StatusOK, templates.ImportPage(p.layout(r, "Import an FDL file", "services"), p.importProps(r)))
}

// importFDL handles "POST /services/import": an FDL pasted or uploaded, with the script files it
// names. One service goes straight into the new-service draft; several are listed to choose one.
// Malformed YAML and unknown keys are reported with their line, the text kept for fixing.
func (p *Pages) importFDL(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBody)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(maxImportBody)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return badRequest(fmt.Sprintf("The files are larger than %d MiB in all.", maxImportBody>>20))
		}
		return badRequest("The form could not be read. Go back and try again.")
	}
	props := p.importProps(r)
	fail := func(field, msg string) error {
		props.Errors[field] = msg
		props.ErrorOrder = append(props.ErrorOrder, field)
		return p.render(w, r, http.StatusUnprocessableEntity, templates.ImportPage(p.layout(r, "Import an FDL file", "services"), props))
	}
	text := form.Text(r.PostForm.Get("fdl"))
	if r.MultipartForm != nil {
		body, name, err := form.UploadedText(r.MultipartForm.File, "fdl_file", fdl.MaxSize)
		if err != nil {
			props.FDL = text
			return fail("fdl", upperFirstWord(err.Error())+".")
		}
		if name != "" {
			text = form.Text(body)
		}
	}
	props.FDL = text
	if strings.TrimSpace(text) == "" {
		return fail("fdl", "Paste the FDL file, or choose it with the file button.")
	}
	scripts := map[string]string{}
	if r.MultipartForm != nil {
		total := 0
		for _, fh := range r.MultipartForm.File["scripts"] {
			if fh.Filename == "" && fh.Size == 0 {
				continue
			}
			b, err := form.ReadFile(fh, wizard.MaxScriptBytes)
			if err != nil {
				return fail("fdl", upperFirstWord(err.Error())+".")
			}
			total += len(b)
			if total > maxImportScripts {
				return fail("fdl", fmt.Sprintf("The script files are larger than %d KiB in all.", maxImportScripts>>10))
			}
			if err := form.CheckText(fh.Filename, b); err != nil {
				return fail("fdl", upperFirstWord(err.Error())+".")
			}
			scripts[path.Base(fh.Filename)] = form.Text(string(b))
		}
	}
	f, err := fdl.Parse([]byte(text))
	if err != nil {
		var fe *fdl.Error
		if !errors.As(err, &fe) {
			return fmt.Errorf("handlers: import: %w", err)
		}
		msg := upperFirstWord(fe.Msg) + "."
		if fe.Line > 0 {
			msg = fmt.Sprintf("Line %d: %s", fe.Line, msg)
		}
		return fail("fdl", msg)
	}
	pending := pendingImport{}
	for i, fn := range f.Functions {
		svc, missing := f.Service(i, scripts)
		pending.Services = append(pending.Services, svc)
		pending.Clusters = append(pending.Clusters, fn.ClusterID)
		pending.Missing = append(pending.Missing, missing)
		pending.Keys = append(pending.Keys, f.Mentioned(i))
	}
	for _, w := range f.Warnings {
		pending.Warnings = append(pending.Warnings, w.String()+".")
	}
	if len(pending.Services) == 1 {
		return p.loadImported(w, r, pending, 0)
	}
	raw, err := json.Marshal(pending)
	if err != nil {
		return fmt.Errorf("handlers: import: %w", err)
	}
	data := &p.session(r).Data
	if data.Drafts == nil {
		data.Drafts = map[string]json.RawMessage{}
	}
	data.Drafts[importDraftKey] = raw
	props.Choices = importChoices(pending)
	props.Warnings = pending.Warnings
	return p.render(w, r, http.StatusOK, templates.ImportPage(p.layout(r, "Import an FDL file", "services"), props))
}

func importChoices(pi pendingImport) []templates.ImportChoice {
	var out []templates.ImportChoice
	for i, s := range pi.Services {
		out = append(out, templates.ImportChoice{Index: i, Name: s.Name, Cluster: pi.Clusters[i], Image: s.Image,
			ScriptFile: pi.Missing[i], ScriptMissing: pi.Missing[i] != ""})
	}
	return out
}

// chooseImport handles "POST /services/import/choose": one service of a multi-service file.
func (p *Pages) chooseImport(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return badRequest("The form could not be read. Go back and try again.")
	}
	raw := p.session(r).Data.Drafts[importDraftKey]
	var pending pendingImport
	if len(raw) == 0 || json.Unmarshal(raw, &pending) != nil || !pending.valid() {
		return badRequest("There is no imported file to choose from any more: import it again.")
	}
	i, err := strconv.Atoi(r.PostForm.Get("service"))
	if err != nil || i < 0 || i >= len(pending.Services) {
		return badRequest("Choose one of the services of the file.")
	}
	return p.loadImported(w, r, pending, i)
}

// loadImported makes service i of an import a draft and opens the wizard: the edit draft of the
// service of that name when it exists and the user may change it (an update from the file:
// what the file gives over what OSCAR has, see fdl.Overlay), the new-service draft otherwise. The
// file's warnings are shown on the first step.
func (p *Pages) loadImported(w http.ResponseWriter, r *http.Request, pending pendingImport, i int) error {
	imported := pending.Services[i]
	wz := wizard.Ref{Mode: wizard.ModeNew}
	d := wizard.FromService(imported, wizard.ModeNew)
	current, note := p.existingService(r, imported.Name)
	if current != nil {
		wz = wizard.Ref{Mode: wizard.ModeEdit, Name: imported.Name}
		d = wizard.FromService(fdl.Overlay(*current, imported, pending.Keys[i]), wizard.ModeEdit)
	} else {
		d.ScriptFile = pending.Missing[i]
	}
	if err := p.storeDraft(r, wz, d); err != nil {
		return err
	}
	data := &p.session(r).Data
	delete(data.Drafts, importDraftKey)
	msg := fmt.Sprintf("Imported %s from the FDL file. Check each step, then create it on the Review step.", orUnnamed(d.Service.Name))
	switch {
	case current != nil:
		msg = fmt.Sprintf("Service %s exists: the file was loaded as changes to it. What the file does not mention stays as it is; the Review step lists every change before you save.", imported.Name)
		if pending.Missing[i] != "" {
			msg += fmt.Sprintf(" The file names the script %s, which was not uploaded: the current script is kept.", pending.Missing[i])
		}
	case d.ScriptFile != "":
		msg += fmt.Sprintf(" The file names the script %s, which was not uploaded: add it on the General step.", d.ScriptFile)
	}
	data.AddFlash(msg)
	if note != "" {
		data.AddFlash(note)
	}
	for _, warn := range pending.Warnings {
		data.AddFlash("From the file: " + warn)
	}
	return p.redirect(w, r, wz.StepURL(wizard.General))
}

// existingService returns the service named name when it exists and the user may change it. When
// it exists but is someone else's, note says so. If OSCAR cannot answer, the import makes a new
// draft: the name check and the create will tell.
func (p *Pages) existingService(r *http.Request, name string) (*oscar.Service, string) {
	if wizard.CheckName(name) != "" {
		return nil, ""
	}
	ep, cr := p.creds(r)
	svc, err := p.oscar.Service(r.Context(), ep, cr, name, false)
	var oe *oscar.Error
	switch {
	case err == nil && mayEdit(&p.session(r).Data, svc.Owner):
		return svc, ""
	case err == nil, errors.As(err, &oe) && oe.Status == http.StatusForbidden:
		return nil, fmt.Sprintf("A service named %s exists and you may not change it: give this one another name on the General step.", name)
	case err != nil && !(errors.As(err, &oe) && oe.Status == http.StatusNotFound):
		p.log.InfoContext(r.Context(), "import: existing service unknown", "service", name, "err", err)
	}
	return nil, ""
}

// mayEdit reports whether the signed-in user may update a service with this owner: the Basic-auth
// account is OSCAR's admin; anyone else only their own services.
func mayEdit(d *session.Data, owner string) bool {
	return d.Kind == session.KindBasic || ownerIsMe(d, owner)
}

func orUnnamed(name string) string {
	if name == "" {
		return "a service without a name"
	}
	return "service " + name
}

func upperFirstWord(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// exportName checks the service name of an export URL.
func exportName(r *http.Request) (string, error) {
	name := r.PathValue("name")
	if wizard.CheckName(name) != "" {
		return "", notFound("There is no service with that name.")
	}
	return name, nil
}

// exportFDL handles "GET /services/{name}/export": the service as an oscar-cli FDL download,
// sanitised (no token, credentials, owner or namespace). With ?complete=1 it asks for
// confirmation first: the complete file is only sent in answer to that page's POST, so a link or
// a prefetch can never download credentials, and the choice is always explicit.
func (p *Pages) exportFDL(w http.ResponseWriter, r *http.Request) error {
	name, err := exportName(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("complete") == "1" {
		props := templates.ExportProps{Name: name, Action: "/services/" + url.PathEscape(name) + "/export", Back: "/services/" + url.PathEscape(name) + "/export"}
		return p.render(w, r, http.StatusOK, templates.ExportConfirmPage(p.layout(r, "Download "+name+" with credentials?", "services"), props))
	}
	return p.sendFDL(w, r, name, false)
}

// exportCompleteFDL handles "POST /services/{name}/export" with complete=1: the complete FDL,
// credentials included.
func (p *Pages) exportCompleteFDL(w http.ResponseWriter, r *http.Request) error {
	name, err := exportName(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("complete") != "1" {
		return badRequest("Use the download button of the confirmation page.")
	}
	return p.sendFDL(w, r, name, true)
}

func (p *Pages) sendFDL(w http.ResponseWriter, r *http.Request, name string, complete bool) error {
	ep, cr := p.creds(r)
	svc, err := p.oscar.Service(r.Context(), ep, cr, name, false)
	if err != nil {
		return fmt.Errorf("handlers: export %s: %w", name, err)
	}
	out, err := fdl.Marshal(*svc, fdl.ExportOptions{ScriptFile: name + ".sh", Complete: complete})
	if err != nil {
		return fmt.Errorf("handlers: export %s: %w", name, err)
	}
	file := name + ".yaml"
	if complete {
		file = name + "-complete.yaml"
		p.log.InfoContext(r.Context(), "complete FDL exported", "service", name)
	}
	return p.download(w, r, file, "text/yaml; charset=utf-8", out)
}

// exportScript handles "GET /services/{name}/export/script": the script the FDL export names.
func (p *Pages) exportScript(w http.ResponseWriter, r *http.Request) error {
	name, err := exportName(r)
	if err != nil {
		return err
	}
	ep, cr := p.creds(r)
	svc, err := p.oscar.Service(r.Context(), ep, cr, name, false)
	if err != nil {
		return fmt.Errorf("handlers: export script %s: %w", name, err)
	}
	return p.download(w, r, name+".sh", "text/x-shellscript; charset=utf-8", []byte(svc.Script))
}

// download sends a file as an attachment, never cached.
func (p *Pages) download(w http.ResponseWriter, r *http.Request, file, ctype string, body []byte) error {
	if err := p.save(w, r); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", file))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(body)
	return err
}

// editChanges lists, field by field, what saving an edit draft changes on OSCAR (secrets by
// state only). If OSCAR cannot say what it has, the list is left out.
func (p *Pages) editChanges(r *http.Request, name string, d *wizard.Draft) []templates.DiffRow {
	ep, cr := p.creds(r)
	current, err := p.oscar.Service(r.Context(), ep, cr, name, false)
	if err != nil {
		p.log.InfoContext(r.Context(), "wizard: current service unknown, no diff", "service", name, "err", err)
		return nil
	}
	return diffRows(fdl.Diff(*current, d.Build()))
}
