package handlers

import (
	"cmp"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// The wizard's steps, in order. Each has its own URL: /services/new/<step>.
const (
	stepGeneral = "general"
	stepStorage = "storage"
	stepInputs  = "inputs"
	stepOutputs = "outputs"
	stepReview  = "review"
)

// wizardSteps lists the steps in order.
func wizardSteps() []string {
	return []string{stepGeneral, stepStorage, stepInputs, stepOutputs, stepReview}
}

func stepLabel(step string) string {
	switch step {
	case stepGeneral:
		return "General"
	case stepStorage:
		return "Storage"
	case stepInputs:
		return "Inputs"
	case stepOutputs:
		return "Outputs"
	case stepReview:
		return "Review"
	}
	return step
}

func isStep(step string) bool { return slices.Contains(wizardSteps(), step) }

// stepAfter returns the step after (delta 1) or before (delta -1) step, staying within the list.
func stepAfter(step string, delta int) string {
	steps := wizardSteps()
	i := slices.Index(steps, step) + delta
	i = max(0, min(i, len(steps)-1))
	return steps[i]
}

// OSCAR's defaults for a new service (oscar-api.md §2.1), shown in the form.
const (
	defaultCPU        = "0.2"
	defaultMemory     = "256Mi"
	defaultLogLevel   = "INFO"
	defaultVisibility = "private"
)

// Provider kinds the wizard's rules name.
const (
	kindMinIO   = oscar.KindMinIO
	kindS3      = oscar.KindS3
	kindOnedata = oscar.KindOnedata
)

// providerKinds lists the kinds the Storage step offers, in order.
func providerKinds() []string {
	var out []string
	for _, k := range oscar.ProviderKinds() {
		out = append(out, k.Kind)
	}
	return out
}

// ioConfig is one input or output.
type ioConfig = oscar.StorageIOConfig

// draft is a service being built or edited. It is kept in the session as JSON (Data.Drafts["new"] or
// ["edit:<name>"]) between requests, so every step, a failed create and a new sign-in keep it.
//
// Service is the whole definition, as it will be sent (edits keep everything the form does not
// show, unknown members included). The rows are the form's own state for the parts OSCAR holds as
// maps: they keep the user's order and rows that are not valid yet (an empty key), and sync writes
// the valid ones back into Service. Secret values live only here on the server: the form never
// receives them back.
type draft struct {
	Mode    string        `json:"mode"` // "new" or "edit"
	Service oscar.Service `json:"service"`

	Variables   []kvRow     `json:"variables,omitempty"`
	Secrets     []secretRow `json:"secrets,omitempty"`
	Annotations []kvRow     `json:"annotations,omitempty"`
	Labels      []kvRow     `json:"labels,omitempty"`
	// ServerLabels are the labels OSCAR sets itself (oscar_service, owner_name...): not offered in
	// the form, kept as they are when editing.
	ServerLabels map[string]string `json:"server_labels,omitempty"`
	Providers    []providerRow     `json:"providers,omitempty"`
	// LastRow numbers rows that hold secrets, so that a posted form is matched to the stored secret
	// by row, not by position.
	LastRow int `json:"last_row,omitempty"`

	// Visited marks the steps the user has saved (or all of them for a loaded service), so the tabs
	// only flag problems the user has had a chance to see.
	Visited map[string]bool `json:"visited,omitempty"`
	// ScriptFile is the file an imported FDL named as the script when it was not uploaded with it.
	ScriptFile string `json:"script_file,omitempty"`
	// Refusal is OSCAR's last refusal of this draft, shown on the step it concerns.
	Refusal *refusal `json:"refusal,omitempty"`
	// Saved is when the draft was last stored (the oldest edit drafts are dropped first).
	Saved time.Time `json:"saved"`
}

// kvRow is one key/value row (environment variable, annotation, label).
type kvRow struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// secretRow is one environment secret. Unknown means OSCAR did not return the value (it blanks
// secrets in GET), so the user must type it again before saving.
type secretRow struct {
	Row     int    `json:"row"`
	Key     string `json:"k"`
	Value   string `json:"v"`
	Unknown bool   `json:"unknown,omitempty"`
}

// providerRow is one storage provider of the Storage step: its kind, id and fields by JSON key
// ("verify" is "true" or "false").
type providerRow struct {
	Row    int               `json:"row"`
	Kind   string            `json:"kind"`
	ID     string            `json:"id"`
	Fields map[string]string `json:"fields,omitempty"`
}

// ref is the provider's name in storage_provider values: "onedata.datahub".
func (pr providerRow) ref() string { return pr.Kind + "." + pr.ID }

// refusal is an OSCAR refusal mapped to the step and control it concerns (Field "" for the step
// as a whole).
type refusal struct {
	Step    string `json:"step"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// newDraft starts a new service with OSCAR's defaults.
func newDraft() *draft {
	return &draft{Mode: "new", Service: oscar.Service{
		CPU: defaultCPU, Memory: defaultMemory, LogLevel: defaultLogLevel, Visibility: defaultVisibility,
	}}
}

// draftFromService starts a draft from a whole definition (a service read from OSCAR for "edit",
// or an imported FDL for "new"). Every step counts as visited: the definition is complete.
func draftFromService(s oscar.Service, mode string) *draft {
	d := &draft{Mode: mode, Service: oscar.Clone(s), Visited: map[string]bool{}}
	for _, st := range wizardSteps() {
		d.Visited[st] = true
	}
	if d.Service.Environment != nil {
		d.Variables = wzSortedRows(d.Service.Environment.Variables)
		for _, kv := range wzSortedRows(d.Service.Environment.Secrets) {
			// A secret read from OSCAR comes back blank: its value is unknown, not empty.
			d.Secrets = append(d.Secrets, secretRow{Row: d.nextRow(), Key: kv.Key, Value: kv.Value, Unknown: mode == "edit" && kv.Value == ""})
		}
	}
	d.Annotations = wzSortedRows(d.Service.Annotations)
	own := map[string]string{}
	for k, v := range d.Service.Labels {
		if oscar.IsServerLabel(k) {
			if d.ServerLabels == nil {
				d.ServerLabels = map[string]string{}
			}
			d.ServerLabels[k] = v
		} else {
			own[k] = v
		}
	}
	d.Labels = wzSortedRows(own)
	for _, e := range d.Service.StorageProviders.Entries() {
		if e.Kind == oscar.KindMinIO && e.ID == "default" {
			continue // implicit, written by OSCAR itself
		}
		d.Providers = append(d.Providers, providerRow{Row: d.nextRow(), Kind: e.Kind, ID: e.ID, Fields: e.Fields})
	}
	d.sync()
	return d
}

func (d *draft) nextRow() int {
	d.LastRow++
	return d.LastRow
}

func wzBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func wzSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func wzSortedRows(m map[string]string) []kvRow {
	rows := make([]kvRow, 0, len(m))
	for _, k := range wzSortedKeys(m) {
		rows = append(rows, kvRow{Key: k, Value: m[k]})
	}
	if len(rows) == 0 {
		return nil
	}
	return rows
}

// wzRowsMap turns rows into a map, skipping rows without a key (validation reports them). nil when
// there is nothing, so that an untouched service keeps the member absent.
func wzRowsMap(rows []kvRow) map[string]string {
	var m map[string]string
	for _, r := range rows {
		k := strings.TrimSpace(r.Key)
		if k == "" {
			continue
		}
		if m == nil {
			m = map[string]string{}
		}
		if _, dup := m[k]; !dup {
			m[k] = r.Value
		}
	}
	return m
}

// sync writes the rows back into Service: environment, annotations, labels and the storage
// providers (the implicit minio.default and provider kinds the console does not know are kept).
func (d *draft) sync() {
	s := &d.Service
	vars := wzRowsMap(d.Variables)
	var secrets map[string]string
	for _, r := range d.Secrets {
		k := strings.TrimSpace(r.Key)
		if k == "" {
			continue
		}
		if secrets == nil {
			secrets = map[string]string{}
		}
		if _, dup := secrets[k]; !dup {
			secrets[k] = r.Value
		}
	}
	if vars == nil && secrets == nil {
		s.Environment = nil
	} else {
		s.Environment = &oscar.Environment{Variables: vars, Secrets: secrets}
	}
	s.Annotations = wzRowsMap(d.Annotations)
	s.Labels = wzRowsMap(d.Labels)
	for k, v := range d.ServerLabels {
		if s.Labels == nil {
			s.Labels = map[string]string{}
		}
		if _, mine := s.Labels[k]; !mine {
			s.Labels[k] = v
		}
	}

	sp := &oscar.StorageProviders{}
	if old := s.StorageProviders; old != nil {
		sp.Extra = old.Extra
		if def := old.MinIO["default"]; def != nil {
			sp.MinIO = map[string]*oscar.MinIOProvider{"default": def}
		}
	}
	for _, pr := range d.Providers {
		id := strings.TrimSpace(pr.ID)
		if id == "" || pr.Kind == oscar.KindMinIO && id == "default" {
			continue
		}
		sp.Add(pr.Kind, id, pr.Fields) // the first row with an id wins; validation reports the others
	}
	if sp.Empty() {
		sp = nil
	}
	s.StorageProviders = sp
}

// build returns the definition to send to OSCAR. A new service leaves out what only OSCAR sets
// (token, owner, namespace, server state) and the implicit minio.default provider; an edit sends
// the whole object it loaded, with the user's changes.
func (d *draft) build() oscar.Service {
	d.sync()
	s := oscar.Clone(d.Service)
	s.LogLevel = strings.ToUpper(s.LogLevel)
	if d.Mode == "edit" {
		return s
	}
	s.Token, s.Owner, s.Namespace = "", "", ""
	for k := range d.ServerLabels {
		delete(s.Labels, k) // OSCAR writes its own
	}
	if len(s.Labels) == 0 {
		s.Labels = nil
	}
	s.BucketList, s.VolumeStatus, s.Deployment = nil, nil, nil
	if sp := s.StorageProviders; sp != nil {
		delete(sp.MinIO, "default")
		if len(sp.MinIO) == 0 {
			sp.MinIO = nil
		}
		if sp.Empty() {
			s.StorageProviders = nil
		}
	}
	return s
}

// providerRefs lists the storage_provider values the draft can use: minio.default first, then the
// defined providers, for inputs only the kinds OSCAR accepts as inputs.
func (d *draft) providerRefs(forInput bool) []string {
	refs := []string{"minio.default"}
	var defined []providerRow
	for _, pr := range d.Providers {
		if strings.TrimSpace(pr.ID) == "" || pr.Kind == kindMinIO && pr.ID == "default" {
			continue
		}
		if forInput && !inputKind(pr.Kind) {
			continue
		}
		defined = append(defined, pr)
	}
	slices.SortStableFunc(defined, func(a, b providerRow) int {
		return cmp.Or(cmp.Compare(slices.Index(providerKinds(), a.Kind), slices.Index(providerKinds(), b.Kind)), cmp.Compare(a.ID, b.ID))
	})
	for _, pr := range defined {
		if ref := pr.ref(); !slices.Contains(refs, ref) {
			refs = append(refs, ref)
		}
	}
	return refs
}

// inputKind reports whether OSCAR accepts the provider kind as an input (oscar-api.md §2.2).
func inputKind(kind string) bool { return oscar.IsInputKind(kind) }

// canonicalRef normalises a storage_provider value as OSCAR reads it: the kind lower-cased, a bare
// kind meaning id "default".
func canonicalRef(ref string) (kind, id string) {
	kind, id, found := strings.Cut(strings.TrimSpace(ref), ".")
	kind = strings.ToLower(kind)
	if !found || id == "" {
		id = "default"
	}
	return kind, id
}

// marshalDraft and unmarshalDraft are the draft's session form.
func marshalDraft(d *draft) (json.RawMessage, error) { return json.Marshal(d) }

func unmarshalDraft(raw json.RawMessage) (*draft, error) {
	var d draft
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	if d.Mode != "edit" {
		d.Mode = "new"
	}
	return &d, nil
}
