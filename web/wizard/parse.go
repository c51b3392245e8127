package wizard

import (
	"cmp"
	"mime/multipart"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/oscarconsole/oscar-console/web/form"
)

// Form is one posted step: its values and, for the General step, the uploaded script.
type Form struct {
	Values url.Values
	Files  map[string][]*multipart.FileHeader
}

// ParseStep writes a posted step's values into the draft. It never validates (the user may be
// moving away from a half-filled step); it returns only the problems of reading the form itself,
// such as an uploaded script that is not text.
func ParseStep(d *Draft, step string, f Form, env Env) *Problems {
	p := newProblems()
	switch step {
	case General:
		parseGeneral(d, f, env, p)
	case Storage:
		parseStorage(d, f.Values)
		parseVolume(d, f.Values)
		parseMount(d, f.Values)
		parseFederation(d, f.Values)
	case Inputs:
		d.Service.Input = parseIO(f.Values, "input", d.Service.Input)
	case Outputs:
		d.Service.Output = parseIO(f.Values, "output", d.Service.Output)
	case Expose:
		parseExpose(d, f.Values)
		parseKserve(d, f.Values, env)
	}
	d.sync()
	return p
}

// listOf reads a list of at most maxItems items.
func listOf(s string) []string { return form.List(s, maxItems) }

// gpuControl reports whether the General step shows the GPU checkbox: when the cluster has a GPU,
// when that is unknown, or when the service already asks for one (so the user can untick it).
func gpuControl(d *Draft, env Env) bool {
	return env.Features.GPU || !env.FeaturesKnown || d.Service.EnableGPU
}

func parseGeneral(d *Draft, f Form, env Env, p *Problems) {
	v := f.Values
	s := &d.Service
	if d.Mode != "edit" {
		s.Name = form.Line(v.Get("name"))
	}
	s.Image = form.Line(v.Get("image"))
	s.CPU = form.Line(v.Get("cpu"))
	s.Memory = form.Line(v.Get("memory"))
	// A browser always posts the selects; an empty value means the default the form shows.
	s.LogLevel = cmp.Or(strings.ToUpper(form.Line(v.Get("log_level"))), defaultLogLevel)
	s.Script = form.Bound(form.Text(v.Get("script")), MaxScriptBytes+1)
	if body, name, err := form.UploadedText(f.Files, "script", MaxScriptBytes); err != nil {
		p.add("script", err.Error())
	} else if name != "" {
		s.Script = form.Text(body)
		d.ScriptFile = ""
	}
	s.VO = form.Line(v.Get("vo"))
	s.Visibility = cmp.Or(form.Line(v.Get("visibility")), defaultVisibility)
	s.AllowedUsers = listOf(v.Get("allowed_users"))
	s.Alpine = v.Get("alpine") == "true"
	if gpuControl(d, env) {
		s.EnableGPU = v.Get("enable_gpu") == "true"
	}
	s.ImagePullSecrets = listOf(v.Get("image_pull_secrets"))
	d.Variables = parseKV(v, "environment.variables")
	d.Annotations = parseKV(v, "annotations")
	d.Labels = parseKV(v, "labels")
	d.Secrets = parseSecrets(v, d.Secrets, d)
	parseExecution(d, v, env)
}

// postedRows collects the rows of a list posted as "list[3].field": rows in index order, each a
// map of field to value. At most maxRows rows are read.
func postedRows(v url.Values, list string) []map[string]string {
	byIndex := map[int]map[string]string{}
	prefix := list + "["
	for name, vals := range v {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		num, field, ok := strings.Cut(rest, "].")
		if !ok || num == "" || len(num) > 3 || strings.ContainsAny(field, "[].") || field == "" {
			continue
		}
		i, err := strconv.Atoi(num)
		if err != nil || i < 0 || strconv.Itoa(i) != num {
			continue
		}
		row := byIndex[i]
		if row == nil {
			row = map[string]string{}
			byIndex[i] = row
		}
		if len(vals) > 0 {
			row[field] = vals[0]
		}
	}
	idx := make([]int, 0, len(byIndex))
	for i := range byIndex {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	if len(idx) > maxRows {
		idx = idx[:maxRows]
	}
	rows := make([]map[string]string, 0, len(idx))
	for _, i := range idx {
		rows = append(rows, byIndex[i])
	}
	return rows
}

// parseKV reads key/value rows, dropping rows left entirely empty.
func parseKV(v url.Values, list string) []KVRow {
	var out []KVRow
	for _, r := range postedRows(v, list) {
		k := form.Line(r["key"])
		val := form.Value(r["value"])
		if k == "" && val == "" {
			continue
		}
		out = append(out, KVRow{Key: k, Value: val})
	}
	return out
}

// rowID reads a posted row number.
func rowID(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// parseSecrets reads the secret rows. A secret's value is never sent to the browser, so an empty
// value means "unchanged": the stored value of the same row is kept.
func parseSecrets(v url.Values, old []SecretRow, d *Draft) []SecretRow {
	var out []SecretRow
	for _, r := range postedRows(v, "environment.secrets") {
		row := SecretRow{Row: rowID(r["row"]), Key: form.Line(r["key"]), Value: form.Value(r["value"])}
		prev, known := findSecret(old, row.Row)
		if row.Value == "" && known {
			row.Value, row.Unknown = prev.Value, prev.Unknown
		}
		if !known || row.Row == 0 {
			row.Row = d.nextRow()
		}
		if row.Key == "" && row.Value == "" {
			continue
		}
		out = append(out, row)
	}
	return out
}

func findSecret(rows []SecretRow, id int) (SecretRow, bool) {
	if id == 0 {
		return SecretRow{}, false
	}
	for _, r := range rows {
		if r.Row == id {
			return r, true
		}
	}
	return SecretRow{}, false
}

// parseStorage reads the provider rows. Secret fields left empty keep the stored value of the same
// row; host names lose an https:// the user typed (OSCAR adds it itself).
func parseStorage(d *Draft, v url.Values) {
	old := d.Providers
	var out []ProviderRow
	for _, r := range postedRows(v, "storage_providers") {
		kind := r["provider"]
		if !slices.Contains(kinds(), kind) {
			continue
		}
		pr := ProviderRow{Row: rowID(r["row"]), Kind: kind, ID: form.Line(r["id"]), Fields: map[string]string{}}
		var prev *ProviderRow
		for i := range old {
			if pr.Row != 0 && old[i].Row == pr.Row && old[i].Kind == kind {
				prev = &old[i]
			}
		}
		if prev == nil {
			pr.Row = d.nextRow()
		}
		for _, f := range fieldsOf(kind) {
			val := form.Line(r[f.Key])
			switch {
			case f.Bool:
				val = strconv.FormatBool(val == "true")
			case f.Secret && val == "" && prev != nil:
				val = prev.Fields[f.Key]
			case f.Host:
				for len(val) >= 8 && strings.EqualFold(val[:8], "https://") {
					val = strings.TrimRight(val[8:], "/")
				}
			}
			if val != "" {
				pr.Fields[f.Key] = val
			}
		}
		out = append(out, pr)
	}
	d.Providers = out
}

// parseIO reads input or output rows. Members the form does not show (options, unknown ones) are
// kept from the row at the same position.
func parseIO(v url.Values, list string, old []ioConfig) []ioConfig {
	var out []ioConfig
	for i, r := range postedRows(v, list) {
		var io ioConfig
		if i < len(old) {
			io.Options, io.Extra = old[i].Options, old[i].Extra
		}
		// A browser always posts the select; empty means the first choice it shows.
		io.StorageProvider = cmp.Or(form.Line(r["storage_provider"]), "minio.default")
		if kind, id := canonicalRef(io.StorageProvider); slices.Contains(kinds(), kind) {
			io.StorageProvider = kind + "." + id // "minio" is minio.default, as OSCAR reads it
		}
		io.Path = form.Line(r["path"])
		io.Prefix = listOf(r["prefix"])
		io.Suffix = listOf(r["suffix"])
		out = append(out, io)
	}
	return out
}
