package admin

import (
	"math/big"
	"strconv"
	"strings"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// The fields of the quota form, as named in its inputs.
const (
	FieldCPU              = "cpu"
	FieldMemory           = "memory"
	FieldEphemeral        = "ephemeral_storage"
	FieldGPU              = "gpu"
	FieldBuckets          = "minio_buckets"
	FieldStoragePerBucket = "minio_storage_per_bucket"
)

// QuotaFields are the form's fields in order, with their labels.
var QuotaFields = []struct{ Name, Label string }{
	{FieldCPU, "CPU (cores)"},
	{FieldMemory, "Memory"},
	{FieldEphemeral, "Ephemeral storage"},
	{FieldGPU, "GPUs"},
	{FieldBuckets, "MinIO buckets"},
	{FieldStoragePerBucket, "MinIO storage per bucket"},
}

// Label names a field for messages and the confirmation page.
func Label(field string) string {
	for _, f := range QuotaFields {
		if f.Name == field {
			return f.Label
		}
	}
	return field
}

// QuotaForm is the quota form's values, as typed (a value per field name).
type QuotaForm map[string]string

// ReadQuotaForm takes the form's values with get (r.PostFormValue), trimmed.
func ReadQuotaForm(get func(string) string) QuotaForm {
	f := QuotaForm{}
	for _, x := range QuotaFields {
		f[x.Name] = strings.TrimSpace(get(x.Name))
	}
	return f
}

// CurrentForm fills the form with a user's quota as OSCAR reports it, in the units people type:
// cores or millicores, binary byte suffixes when exact.
func CurrentForm(q *oscar.QuotaResponse) QuotaForm {
	f := QuotaForm{}
	if v, ok := q.Resources["cpu"]; ok {
		f[FieldCPU] = Millicores(v.Max)
	}
	if v, ok := q.Resources["memory"]; ok {
		f[FieldMemory] = Bytes(v.Max)
	}
	if v, ok := q.Resources["ephemeral-storage"]; ok {
		f[FieldEphemeral] = Bytes(v.Max)
	}
	if v, ok := q.Resources["gpu"]; ok {
		f[FieldGPU] = strconv.FormatInt(v.Max, 10)
	}
	if m := q.MinIO; m != nil {
		if m.Buckets != nil {
			f[FieldBuckets] = strconv.FormatInt(m.Buckets.Max, 10)
		}
		if m.StoragePerBucket != nil {
			f[FieldStoragePerBucket] = m.StoragePerBucket.Max
		}
	}
	return f
}

// Millicores shows a CPU figure in millicores as a quantity: whole cores as "4", else "3500m".
func Millicores(m int64) string {
	if m%1000 == 0 {
		return strconv.FormatInt(m/1000, 10)
	}
	return strconv.FormatInt(m, 10) + "m"
}

// Bytes shows a byte count as a quantity with the largest binary suffix that is exact ("8Gi"),
// else as a number.
func Bytes(b int64) string {
	if b == 0 {
		return "0"
	}
	for _, s := range []struct {
		suffix string
		shift  uint
	}{{"Ti", 40}, {"Gi", 30}, {"Mi", 20}, {"Ki", 10}} {
		if b%(1<<s.shift) == 0 {
			return strconv.FormatInt(b>>s.shift, 10) + s.suffix
		}
	}
	return strconv.FormatInt(b, 10)
}

// CheckQuota checks every field the way OSCAR will parse it and returns a message per field in
// error; an empty value leaves the quota as it is.
func CheckQuota(f QuotaForm) map[string]string {
	errs := map[string]string{}
	quantity := func(field, example string) {
		v := f[field]
		if v == "" {
			return
		}
		q, err := oscar.ParseQuantity(v)
		switch {
		case err != nil:
			errs[field] = Label(field) + ": enter a Kubernetes quantity such as " + example + "."
		case q.Sign() < 0:
			errs[field] = Label(field) + " cannot be negative."
		}
	}
	quantity(FieldCPU, "2, 0.5 or 500m")
	quantity(FieldMemory, "8Gi or 512Mi")
	quantity(FieldEphemeral, "20Gi")
	quantity(FieldStoragePerBucket, "10Gi")
	whole := func(field, what string) {
		v := f[field]
		if v == "" {
			return
		}
		if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 0 {
			errs[field] = Label(field) + ": enter a whole number of " + what + " (0 or more)."
		}
	}
	whole(FieldGPU, "GPUs")
	whole(FieldBuckets, "buckets")
	if q, err := oscar.ParseQuantity(f[FieldCPU]); err == nil && q.Sign() > 0 && new(big.Rat).Mul(q, big.NewRat(1000, 1)).Cmp(big.NewRat(1, 1)) < 0 {
		errs[FieldCPU] = Label(FieldCPU) + ": the smallest CPU quota is 1m (a thousandth of a core)."
	}
	return errs
}

// Change is one value the admin changes.
type Change struct {
	Field, Label, From, To string
}

// Changes lists the fields whose value differs from the current quota, in the form's order.
// Values equal as quantities ("4" and "4000m") are not changes.
func Changes(f, current QuotaForm) []Change {
	var out []Change
	for _, x := range QuotaFields {
		to := f[x.Name]
		if to == "" || same(to, current[x.Name]) {
			continue
		}
		from := current[x.Name]
		if from == "" {
			from = "not set"
		}
		out = append(out, Change{Field: x.Name, Label: x.Label, From: from, To: to})
	}
	return out
}

func same(a, b string) bool {
	if a == b {
		return true
	}
	qa, err1 := oscar.ParseQuantity(a)
	qb, err2 := oscar.ParseQuantity(b)
	return err1 == nil && err2 == nil && qa.Cmp(qb) == 0
}

// Update is the PUT body for the changes. OSCAR only writes the user's ClusterQueue when CPU,
// memory or ephemeral storage is in the request (a GPU alone is refused with 400), so a GPU
// change goes with the CPU quota as it stands.
func Update(changes []Change, current QuotaForm) oscar.QuotaUpdate {
	var u oscar.QuotaUpdate
	minio := oscar.MinIOQuotaUpdate{}
	dst := map[string]*string{FieldCPU: &u.CPU, FieldMemory: &u.Memory, FieldEphemeral: &u.EphemeralStorage, FieldGPU: &u.GPU,
		FieldBuckets: &minio.Buckets, FieldStoragePerBucket: &minio.StoragePerBucket}
	for _, c := range changes {
		if p, ok := dst[c.Field]; ok {
			*p = c.To
		}
	}
	if u.GPU != "" && u.CPU == "" && u.Memory == "" && u.EphemeralStorage == "" {
		u.CPU = current[FieldCPU]
	}
	if minio != (oscar.MinIOQuotaUpdate{}) {
		u.MinIO = &minio
	}
	return u
}

// RefusalField maps OSCAR's refusal of a quota update to the form field it is about ("" for the
// form as a whole), with the message to show. OSCAR answers 500 for a value it cannot parse.
func RefusalField(oe *oscar.Error) (field, msg string) {
	m := strings.ToLower(oe.Message)
	for _, x := range []struct{ key, field string }{
		{"invalid cpu", FieldCPU}, {"invalid memory", FieldMemory}, {"invalid ephemeral", FieldEphemeral},
		{"invalid gpu", FieldGPU}, {"minio.buckets", FieldBuckets}, {"minio.storage_per_bucket", FieldStoragePerBucket},
	} {
		if strings.Contains(m, x.key) {
			return x.field, "OSCAR refused this value: " + oe.Message
		}
	}
	if oe.Message == "" {
		return "", "OSCAR refused the change."
	}
	return "", "OSCAR refused the change: " + oe.Message
}

// Refusable reports whether an error of UpdateQuota is OSCAR refusing the values (shown on the
// form) rather than a failure (shown as an error page).
func Refusable(oe *oscar.Error) bool {
	if oe.Kind == oscar.BadInput {
		return true
	}
	field, _ := RefusalField(oe)
	return oe.Kind == oscar.Server && field != ""
}

// QuotaColumns head the quotas list; Cells gives a user's row in the same order.
var QuotaColumns = []string{"CPU (cores)", "Memory", "GPUs", "Ephemeral storage", "MinIO buckets", "Storage per bucket"}

// Cells shows a user's quota as "used of max" per column; "–" when OSCAR reports no figure.
func Cells(q *oscar.QuotaResponse) []string {
	res := func(name string, show func(int64) string) string {
		v, ok := q.Resources[name]
		if !ok {
			return "–"
		}
		return show(v.Used) + " of " + show(v.Max)
	}
	count := func(n int64) string { return strconv.FormatInt(n, 10) }
	out := []string{res("cpu", Millicores), res("memory", Bytes), res("gpu", count), res("ephemeral-storage", Bytes), "–", "–"}
	if m := q.MinIO; m != nil {
		if m.Buckets != nil {
			out[4] = count(m.Buckets.Used) + " of " + count(m.Buckets.Max)
		}
		if m.StoragePerBucket != nil && m.StoragePerBucket.Max != "" {
			out[5] = m.StoragePerBucket.Max
		}
	}
	return out
}

// NoQueue reports whether OSCAR failed to read a quota because the user has no ClusterQueue (a
// user who never signed in to the cluster): OSCAR answers that with 500 "... not found".
func NoQueue(oe *oscar.Error) bool {
	return oe.Kind == oscar.Server && strings.Contains(oe.Message, "ClusterQueue") && strings.Contains(oe.Message, "not found")
}
