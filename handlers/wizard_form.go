package handlers

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"mime/multipart"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// stepForm is one posted step: its values and, for the General step, the uploaded script.
type stepForm struct {
	values url.Values
	files  map[string][]*multipart.FileHeader
}

// parseStep writes a posted step's values into the draft. It never validates (the user may be
// moving away from a half-filled step); it returns only the problems of reading the form itself,
// such as an uploaded script that is not text.
func parseStep(d *draft, step string, f stepForm, env wizardEnv) *wzProblems {
	p := newWzProblems()
	switch step {
	case stepGeneral:
		parseGeneral(d, f, env, p)
	case stepStorage:
		parseStorage(d, f.values)
	case stepInputs:
		d.Service.Input = parseIO(f.values, "input", d.Service.Input)
	case stepOutputs:
		d.Service.Output = parseIO(f.values, "output", d.Service.Output)
	}
	d.sync()
	return p
}

// wzClip reads a one-line value: valid UTF-8, no control characters (a text input cannot hold
// them, so the value would change on the next save), no surrounding spaces, bounded.
func wzClip(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return strings.TrimSpace(wzBound(s, maxFieldLen))
}

// wzBound cuts s to at most n bytes, on a character boundary.
func wzBound(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// wzList reads a list typed as "a, b c" or one item per line.
func wzList(s string) []string {
	var out []string
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) || unicode.IsControl(r) }) {
		if item = wzClip(item); item != "" && !slices.Contains(out, item) && len(out) < maxRows*4 {
			out = append(out, item)
		}
	}
	return out
}

// wzLF reads multi-line text (a textarea): valid UTF-8, the CRLF that browsers send turned into
// LF (OSCAR does the same to scripts; a shell script with CR breaks), and no control characters
// other than tab and newline.
func wzLF(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\r\n", "\n"), "\r", "\n")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, s)
}

// wzValue reads the value of a key/value row: one line (it is a text input), spaces kept.
func wzValue(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return -1
		}
		if unicode.IsControl(r) && r != '\t' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return wzBound(s, maxFieldLen*4)
}

// gpuControl reports whether the General step shows the GPU checkbox: when the cluster has a GPU,
// when that is unknown, or when the service already asks for one (so the user can untick it).
func gpuControl(d *draft, env wizardEnv) bool {
	return env.feats.GPU || !env.featsKnown || d.Service.EnableGPU
}

func parseGeneral(d *draft, f stepForm, env wizardEnv, p *wzProblems) {
	v := f.values
	s := &d.Service
	if d.Mode != "edit" {
		s.Name = wzClip(v.Get("name"))
	}
	s.Image = wzClip(v.Get("image"))
	s.CPU = wzClip(v.Get("cpu"))
	s.Memory = wzClip(v.Get("memory"))
	// A browser always posts the selects; an empty value means the default the form shows.
	s.LogLevel = cmp.Or(strings.ToUpper(wzClip(v.Get("log_level"))), defaultLogLevel)
	s.Script = wzBound(wzLF(v.Get("script")), maxScriptBytes+1)
	if body, name, err := wzUploadedText(f.files, "script", maxScriptBytes); err != nil {
		p.add("script", err.Error())
	} else if name != "" {
		s.Script = wzLF(body)
		d.ScriptFile = ""
	}
	s.VO = wzClip(v.Get("vo"))
	s.Visibility = cmp.Or(wzClip(v.Get("visibility")), defaultVisibility)
	s.AllowedUsers = wzList(v.Get("allowed_users"))
	s.Alpine = v.Get("alpine") == "true"
	if gpuControl(d, env) {
		s.EnableGPU = v.Get("enable_gpu") == "true"
	}
	s.ImagePullSecrets = wzList(v.Get("image_pull_secrets"))
	d.Variables = wzParseKV(v, "environment.variables")
	d.Annotations = wzParseKV(v, "annotations")
	d.Labels = wzParseKV(v, "labels")
	d.Secrets = parseSecrets(v, d.Secrets, d)
}

// wzUploadedText reads the first file posted under name, at most limit bytes, and checks that it is
// text. name is "" when no file was chosen.
func wzUploadedText(files map[string][]*multipart.FileHeader, field string, limit int64) (body, name string, err error) {
	fhs := files[field]
	if len(fhs) == 0 || fhs[0].Size == 0 && fhs[0].Filename == "" {
		return "", "", nil
	}
	fh := fhs[0]
	if fh.Size > limit {
		return "", "", fmt.Errorf("the file %s is larger than %d KiB", fh.Filename, limit>>10)
	}
	b, err := wzReadFile(fh, limit)
	if err != nil {
		return "", "", err
	}
	if len(b) == 0 {
		return "", "", nil
	}
	if err := wzCheckText(fh.Filename, b); err != nil {
		return "", "", err
	}
	return string(b), fh.Filename, nil
}

// wzCheckText refuses a file that is not UTF-8 text.
func wzCheckText(name string, b []byte) error {
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return fmt.Errorf("the file %s is not a text file", name)
	}
	return nil
}

func wzReadFile(fh *multipart.FileHeader, limit int64) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("the file %s could not be read", fh.Filename)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("the file %s could not be read", fh.Filename)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("the file %s is larger than %d KiB", fh.Filename, limit>>10)
	}
	return b, nil
}

// wzRows collects the rows of a list posted as "list[3].field": rows in index order, each a
// map of field to value. At most maxRows rows are read.
func wzRows(v url.Values, list string) []map[string]string {
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

// wzParseKV reads key/value rows, dropping rows left entirely empty.
func wzParseKV(v url.Values, list string) []kvRow {
	var out []kvRow
	for _, r := range wzRows(v, list) {
		k := wzClip(r["key"])
		val := wzValue(r["value"])
		if k == "" && val == "" {
			continue
		}
		out = append(out, kvRow{Key: k, Value: val})
	}
	return out
}

// wzRowID reads a posted row number.
func wzRowID(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// parseSecrets reads the secret rows. A secret's value is never sent to the browser, so an empty
// value means "unchanged": the stored value of the same row is kept.
func parseSecrets(v url.Values, old []secretRow, d *draft) []secretRow {
	var out []secretRow
	for _, r := range wzRows(v, "environment.secrets") {
		row := secretRow{Row: wzRowID(r["row"]), Key: wzClip(r["key"]), Value: wzValue(r["value"])}
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

func findSecret(rows []secretRow, id int) (secretRow, bool) {
	if id == 0 {
		return secretRow{}, false
	}
	for _, r := range rows {
		if r.Row == id {
			return r, true
		}
	}
	return secretRow{}, false
}

// parseStorage reads the provider rows. Secret fields left empty keep the stored value of the same
// row; host names lose an https:// the user typed (OSCAR adds it itself).
func parseStorage(d *draft, v url.Values) {
	old := d.Providers
	var out []providerRow
	for _, r := range wzRows(v, "storage_providers") {
		kind := r["provider"]
		if !slices.Contains(providerKinds(), kind) {
			continue
		}
		pr := providerRow{Row: wzRowID(r["row"]), Kind: kind, ID: wzClip(r["id"]), Fields: map[string]string{}}
		var prev *providerRow
		for i := range old {
			if pr.Row != 0 && old[i].Row == pr.Row && old[i].Kind == kind {
				prev = &old[i]
			}
		}
		if prev == nil {
			pr.Row = d.nextRow()
		}
		for _, f := range providerFields(kind) {
			val := wzClip(r[f.Key])
			switch {
			case f.Bool:
				val = wzBool(val == "true")
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
	for i, r := range wzRows(v, list) {
		var io ioConfig
		if i < len(old) {
			io.Options, io.Extra = old[i].Options, old[i].Extra
		}
		// A browser always posts the select; empty means the first choice it shows.
		io.StorageProvider = cmp.Or(wzClip(r["storage_provider"]), "minio.default")
		if kind, id := canonicalRef(io.StorageProvider); slices.Contains(providerKinds(), kind) {
			io.StorageProvider = kind + "." + id // "minio" is minio.default, as OSCAR reads it
		}
		io.Path = wzClip(r["path"])
		io.Prefix = wzList(r["prefix"])
		io.Suffix = wzList(r["suffix"])
		out = append(out, io)
	}
	return out
}
