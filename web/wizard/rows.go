package wizard

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// PruneEdits drops the oldest edit drafts beyond max.
func PruneEdits(drafts map[string]json.RawMessage, max int) {
	type aged struct {
		key   string
		saved time.Time
	}
	var edits []aged
	for k, raw := range drafts {
		if !strings.HasPrefix(k, "edit:") {
			continue
		}
		var meta struct {
			Saved time.Time `json:"saved"`
		}
		_ = json.Unmarshal(raw, &meta) // an unreadable draft counts as the oldest
		edits = append(edits, aged{k, meta.Saved})
	}
	if len(edits) <= max {
		return
	}
	slices.SortFunc(edits, func(a, b aged) int { return a.saved.Compare(b.saved) })
	for _, e := range edits[:len(edits)-max] {
		delete(drafts, e.key)
	}
}

// WithoutBlankRows drops the problems of rows the user has just added and not filled in yet (a
// provider without id or values, an input or output without path): a step opened again should not
// greet a new row with errors. Next still reports them.
func WithoutBlankRows(d *Draft, pr *Problems) *Problems {
	blank := map[string]bool{}
	for i, p := range d.Providers {
		empty := strings.TrimSpace(p.ID) == ""
		for k, v := range p.Fields {
			empty = empty && (v == "" || k == "verify")
		}
		blank[fmt.Sprintf("storage_providers[%d].", i)] = empty
	}
	for i, m := range d.Members {
		blank[fmt.Sprintf("federation.members[%d].", i)] = m.ClusterID == "" && m.ServiceName == "" && m.URL == "" && m.Priority == ""
	}
	for i, c := range d.Clusters {
		blank[fmt.Sprintf("clusters[%d].", i)] = c.ID == "" && c.Endpoint == "" && c.User == "" && c.Password == ""
	}
	for list, rows := range map[string][]ioConfig{"input": d.Service.Input, "output": d.Service.Output} {
		for i, io := range rows {
			blank[fmt.Sprintf("%s[%d].", list, i)] = strings.TrimSpace(io.Path) == "" && len(io.Prefix) == 0 && len(io.Suffix) == 0
		}
	}
	out := newProblems()
	for _, k := range pr.order {
		prefix, _, _ := strings.Cut(k, "]")
		if !blank[prefix+"]."] {
			out.add(k, pr.errs[k])
		}
	}
	return out
}

// RowAction applies an "add" or "remove" button of the current step. It returns the id of the
// control to scroll to.
func RowAction(d *Draft, step string, v url.Values) (anchor string, ok bool) {
	if add := v.Get("add"); add != "" {
		return addRow(d, step, add, v.Get("provider"))
	}
	if rm := v.Get("remove"); rm != "" {
		return removeRow(d, step, rm)
	}
	return "", false
}

func addRow(d *Draft, step, list, kind string) (string, bool) {
	switch {
	case step == General && list == "environment.variables" && len(d.Variables) < maxRows:
		d.Variables = append(d.Variables, KVRow{})
		return templates.FieldID(fmt.Sprintf("%s[%d].key", list, len(d.Variables)-1)), true
	case step == General && list == "environment.secrets" && len(d.Secrets) < maxRows:
		d.Secrets = append(d.Secrets, SecretRow{Row: d.nextRow()})
		return templates.FieldID(fmt.Sprintf("%s[%d].key", list, len(d.Secrets)-1)), true
	case step == General && list == "annotations" && len(d.Annotations) < maxRows:
		d.Annotations = append(d.Annotations, KVRow{})
		return templates.FieldID(fmt.Sprintf("%s[%d].key", list, len(d.Annotations)-1)), true
	case step == General && list == "labels" && len(d.Labels) < maxRows:
		d.Labels = append(d.Labels, KVRow{})
		return templates.FieldID(fmt.Sprintf("%s[%d].key", list, len(d.Labels)-1)), true
	case step == Storage && list == "provider" && slices.Contains(kinds(), kind) && len(d.Providers) < maxRows:
		pr := ProviderRow{Row: d.nextRow(), Kind: kind, Fields: map[string]string{}}
		if kind == oscar.KindMinIO {
			pr.Fields["verify"] = "true"
		}
		d.Providers = append(d.Providers, pr)
		return templates.FieldID(fmt.Sprintf("storage_providers[%d].id", len(d.Providers)-1)), true
	case step == Storage && list == "federation.members" && len(d.Members) < maxRows:
		d.Members = append(d.Members, MemberRow{Row: d.nextRow(), Type: memberOSCAR, SSLVerify: true})
		return templates.FieldID(fmt.Sprintf("%s[%d].cluster_id", list, len(d.Members)-1)), true
	case step == Storage && list == "clusters" && len(d.Clusters) < maxRows:
		d.Clusters = append(d.Clusters, ClusterRow{Row: d.nextRow(), SSLVerify: true})
		return templates.FieldID(fmt.Sprintf("%s[%d].id", list, len(d.Clusters)-1)), true
	case step == Inputs && list == "input" && len(d.Service.Input) < maxRows:
		d.Service.Input = append(d.Service.Input, ioConfig{StorageProvider: "minio.default"})
		return templates.FieldID(fmt.Sprintf("input[%d].path", len(d.Service.Input)-1)), true
	case step == Outputs && list == "output" && len(d.Service.Output) < maxRows:
		d.Service.Output = append(d.Service.Output, ioConfig{StorageProvider: "minio.default"})
		return templates.FieldID(fmt.Sprintf("output[%d].path", len(d.Service.Output)-1)), true
	}
	return "", false
}

func removeRow(d *Draft, step, target string) (string, bool) {
	list, rest, ok := strings.Cut(target, "[")
	if !ok || !strings.HasSuffix(rest, "]") {
		return "", false
	}
	i, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
	if err != nil || i < 0 {
		return "", false
	}
	anchor := templates.FieldID(list)
	switch {
	case step == General && list == "environment.variables" && i < len(d.Variables):
		d.Variables = slices.Delete(d.Variables, i, i+1)
	case step == General && list == "environment.secrets" && i < len(d.Secrets):
		d.Secrets = slices.Delete(d.Secrets, i, i+1)
	case step == General && list == "annotations" && i < len(d.Annotations):
		d.Annotations = slices.Delete(d.Annotations, i, i+1)
	case step == General && list == "labels" && i < len(d.Labels):
		d.Labels = slices.Delete(d.Labels, i, i+1)
	case step == Storage && list == "storage_providers" && i < len(d.Providers):
		d.Providers = slices.Delete(d.Providers, i, i+1)
		anchor = "wizard-form"
	case step == Storage && list == "federation.members" && i < len(d.Members):
		d.Members = slices.Delete(d.Members, i, i+1)
		anchor = templates.FieldID("federation")
	case step == Storage && list == "clusters" && i < len(d.Clusters):
		d.Clusters = slices.Delete(d.Clusters, i, i+1)
		anchor = templates.FieldID("federation")
	case step == Inputs && list == "input" && i < len(d.Service.Input):
		d.Service.Input = slices.Delete(d.Service.Input, i, i+1)
		anchor = "wizard-form"
	case step == Outputs && list == "output" && i < len(d.Service.Output):
		d.Service.Output = slices.Delete(d.Service.Output, i, i+1)
		anchor = "wizard-form"
	default:
		return "", false
	}
	d.sync()
	return anchor, true
}
