package wizard

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// kinds lists the storage-provider kinds the Storage step offers, in order.
func kinds() []string {
	var out []string
	for _, k := range oscar.ProviderKinds() {
		out = append(out, k.Kind)
	}
	return out
}

// ioConfig is one input or output.
type ioConfig = oscar.StorageIOConfig

// Draft is a service being built or edited. It is kept in the session as JSON (Data.Drafts["new"] or
// ["edit:<name>"]) between requests, so every step, a failed create and a new sign-in keep it.
//
// Service is the whole definition, as it will be sent (edits keep everything the form does not
// show, unknown members included). The rows are the form's own state for the parts OSCAR holds as
// maps: they keep the user's order and rows that are not valid yet (an empty key), and sync writes
// the valid ones back into Service. Secret values live only here on the server: the form never
// receives them back.
type Draft struct {
	Mode    string        `json:"mode"` // "new" or "edit"
	Service oscar.Service `json:"service"`

	Variables   []KVRow     `json:"variables,omitempty"`
	Secrets     []SecretRow `json:"secrets,omitempty"`
	Annotations []KVRow     `json:"annotations,omitempty"`
	Labels      []KVRow     `json:"labels,omitempty"`
	// ServerLabels are the labels OSCAR sets itself (oscar_service, owner_name...): not offered in
	// the form, kept as they are when editing.
	ServerLabels map[string]string `json:"server_labels,omitempty"`
	Providers    []ProviderRow     `json:"providers,omitempty"`
	// Members and Clusters are the Federation section's rows (federation.go); FedRows says they
	// are the draft's truth (a draft stored before the section existed has none and is loaded).
	Members  []MemberRow  `json:"fed_members,omitempty"`
	Clusters []ClusterRow `json:"clusters,omitempty"`
	FedRows  bool         `json:"fed_rows,omitempty"`
	// VolumeMode is the Volume section's choice: none, existing or new (volume.go).
	VolumeMode string `json:"volume_mode,omitempty"`
	// LastRow numbers rows that hold secrets, so that a posted form is matched to the stored secret
	// by row, not by position.
	LastRow int `json:"last_row,omitempty"`

	// Visited marks the steps the user has saved (or all of them for a loaded service), so the tabs
	// only flag problems the user has had a chance to see.
	Visited map[string]bool `json:"visited,omitempty"`
	// ScriptFile is the file an imported FDL named as the script when it was not uploaded with it.
	ScriptFile string `json:"script_file,omitempty"`
	// exposeOn: the Expose step's "expose" box was ticked in this request (not stored: a ticked box
	// with an empty port list is reported, then forgotten).
	exposeOn bool
	// Typed holds, by control name, text typed into a number control that did not read as one
	// (typed.go).
	Typed map[string]string `json:"typed,omitempty"`
	// Refusal is OSCAR's last refusal of this draft, shown on the step it concerns.
	Refusal *Refusal `json:"Refusal,omitempty"`
	// Saved is when the draft was last stored (the oldest edit drafts are dropped first).
	Saved time.Time `json:"saved"`
}

// KVRow is one key/value row (environment variable, annotation, label).
type KVRow struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// SecretRow is one environment secret. Unknown means OSCAR did not return the value (it blanks
// secrets in GET), so the user must type it again before saving.
type SecretRow struct {
	Row     int    `json:"row"`
	Key     string `json:"k"`
	Value   string `json:"v"`
	Unknown bool   `json:"unknown,omitempty"`
}

// ProviderRow is one storage provider of the Storage step: its kind, id and fields by JSON key
// ("verify" is "true" or "false").
type ProviderRow struct {
	Row    int               `json:"row"`
	Kind   string            `json:"kind"`
	ID     string            `json:"id"`
	Fields map[string]string `json:"fields,omitempty"`
}

// ref is the provider's name in storage_provider values: "onedata.datahub".
func (pr ProviderRow) ref() string { return pr.Kind + "." + pr.ID }

// Refusal is an OSCAR refusal mapped to the step and control it concerns (Field "" for the step
// as a whole).
type Refusal struct {
	Step    string `json:"step"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// New starts a new service with OSCAR's defaults.
func New() *Draft {
	return &Draft{Mode: "new", FedRows: true, Service: oscar.Service{
		CPU: defaultCPU, Memory: defaultMemory, LogLevel: defaultLogLevel, Visibility: defaultVisibility,
	}}
}

// FromService starts a draft from a whole definition (a service read from OSCAR for "edit",
// or an imported FDL for "new"). Every step counts as visited: the definition is complete.
func FromService(s oscar.Service, mode string) *Draft {
	d := &Draft{Mode: mode, Service: oscar.Clone(s)}
	d.VisitAll()
	if d.Service.Environment != nil {
		d.Variables = sortedRows(d.Service.Environment.Variables)
		for _, kv := range sortedRows(d.Service.Environment.Secrets) {
			// A secret read from OSCAR comes back blank: its value is unknown, not empty.
			d.Secrets = append(d.Secrets, SecretRow{Row: d.nextRow(), Key: kv.Key, Value: kv.Value, Unknown: mode == "edit" && kv.Value == ""})
		}
	}
	d.Annotations = sortedRows(d.Service.Annotations)
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
	d.Labels = sortedRows(own)
	for _, e := range d.Service.StorageProviders.Entries() {
		if e.Kind == oscar.KindMinIO && e.ID == "default" {
			continue // implicit, written by OSCAR itself
		}
		d.Providers = append(d.Providers, ProviderRow{Row: d.nextRow(), Kind: e.Kind, ID: e.ID, Fields: e.Fields})
	}
	d.loadFederationRows()
	d.sync()
	return d
}

// VisitAll marks every step visited, so that each shows its problems.
func (d *Draft) VisitAll() {
	d.Visited = map[string]bool{}
	for _, st := range Steps() {
		d.Visited[st] = true
	}
}

func (d *Draft) nextRow() int {
	d.LastRow++
	return d.LastRow
}

func sortedRows(m map[string]string) []KVRow {
	rows := make([]KVRow, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		rows = append(rows, KVRow{Key: k, Value: m[k]})
	}
	if len(rows) == 0 {
		return nil
	}
	return rows
}

// rowsMap turns rows into a map, skipping rows without a key (validation reports them). nil when
// there is nothing, so that an untouched service keeps the member absent.
func rowsMap(rows []KVRow) map[string]string {
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
func (d *Draft) sync() {
	s := &d.Service
	vars := rowsMap(d.Variables)
	secretRows := make([]KVRow, len(d.Secrets))
	for i, r := range d.Secrets {
		secretRows[i] = KVRow{Key: r.Key, Value: r.Value}
	}
	secrets := rowsMap(secretRows)
	if vars == nil && secrets == nil {
		s.Environment = nil
	} else {
		s.Environment = &oscar.Environment{Variables: vars, Secrets: secrets}
	}
	s.Annotations = rowsMap(d.Annotations)
	s.Labels = rowsMap(d.Labels)
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
	d.syncFederation()
}

// Build returns the definition to send to OSCAR. A new service leaves out what only OSCAR sets
// (token, owner, namespace, server state) and the implicit minio.default provider; an edit sends
// the whole object it loaded, with the user's changes.
func (d *Draft) Build() oscar.Service {
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
func (d *Draft) providerRefs(forInput bool) []string {
	refs := []string{"minio.default"}
	var defined []ProviderRow
	for _, pr := range d.Providers {
		if strings.TrimSpace(pr.ID) == "" || pr.Kind == oscar.KindMinIO && pr.ID == "default" {
			continue
		}
		if forInput && !oscar.IsInputKind(pr.Kind) {
			continue
		}
		defined = append(defined, pr)
	}
	slices.SortStableFunc(defined, func(a, b ProviderRow) int {
		return cmp.Or(cmp.Compare(slices.Index(kinds(), a.Kind), slices.Index(kinds(), b.Kind)), cmp.Compare(a.ID, b.ID))
	})
	for _, pr := range defined {
		if ref := pr.ref(); !slices.Contains(refs, ref) {
			refs = append(refs, ref)
		}
	}
	return refs
}

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

// Marshal is the draft's session form (JSON); Unmarshal reads it back.
func (d *Draft) Marshal() (json.RawMessage, error) { return json.Marshal(d) }

// Unmarshal reads a draft stored by Marshal. A draft without a known mode is a new service's.
func Unmarshal(raw json.RawMessage) (*Draft, error) {
	var d Draft
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	if d.Mode != "edit" {
		d.Mode = "new"
	}
	if !d.FedRows {
		d.loadFederationRows()
	}
	return &d, nil
}
