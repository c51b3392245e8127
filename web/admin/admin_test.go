package admin

import (
	"slices"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

func TestIsAdmin(t *testing.T) {
	for kind, want := range map[string]bool{"basic": true, "oidc": false, "": false, "Basic": false} {
		if got := IsAdmin(kind); got != want {
			t.Errorf("IsAdmin(%q) = %v, want %v", kind, got, want)
		}
	}
}

func TestUsers(t *testing.T) {
	bd := &oscar.MetricsBreakdown{Items: []oscar.BreakdownItem{{Key: "bob@egi.eu"}, {Key: "alice@egi.eu"}, {Key: ""}, {Key: "../x"}, {Key: "a b"}}}
	svcs := []oscar.ServiceSummary{{Owner: "alice@egi.eu"}, {Owner: "cluster_admin"}, {Owner: "carol@egi.eu"}, {Owner: ""}}
	if got, want := Users(bd, svcs), []string{"alice@egi.eu", "bob@egi.eu", "carol@egi.eu"}; !slices.Equal(got, want) {
		t.Errorf("Users = %v, want %v", got, want)
	}
	if got := Users(nil, nil); len(got) != 0 {
		t.Errorf("Users(nil, nil) = %v", got)
	}
}

func TestParseLinesAndTail(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    int
		problem bool
	}{{"", 100, false}, {"500", 500, false}, {"1000", 1000, false}, {"7", 100, true}, {"-1", 100, true}, {"1e3", 100, true}} {
		n, msg := ParseLines(tt.in)
		if n != tt.want || (msg != "") != tt.problem {
			t.Errorf("ParseLines(%q) = %d, %q", tt.in, n, msg)
		}
	}
	var es []oscar.ManagerLogEntry
	for i := range 5 {
		es = append(es, oscar.ManagerLogEntry{Path: "/job/" + string(rune('a'+i)), Raw: "line " + string(rune('a'+i))})
	}
	got, cut := Tail(es, 2)
	if cut != 3 || len(got) != 2 || got[0].Path != "/job/d" || got[1].Path != "/job/e" {
		t.Errorf("Tail(5, 2) = %v, %d", got, cut)
	}
	if got, cut := Tail(es, 10); len(got) != 5 || cut != 0 {
		t.Errorf("Tail(5, 10) = %d entries, %d cut", len(got), cut)
	}
	es[0].Raw = "evil\r\nforged line"
	if txt := LogText(es[:2]); txt != "evil forged line\nline b\n" {
		t.Errorf("LogText = %q (a raw line must stay one line)", txt)
	}
}

func TestQuantities(t *testing.T) {
	for m, want := range map[int64]string{0: "0", 4000: "4", 3500: "3500m", 1: "1m"} {
		if got := Millicores(m); got != want {
			t.Errorf("Millicores(%d) = %q, want %q", m, got, want)
		}
	}
	for b, want := range map[int64]string{0: "0", 8 << 30: "8Gi", 512 << 20: "512Mi", 1536 << 20: "1536Mi", 2 << 40: "2Ti", 1000: "1000", 3 << 10: "3Ki"} {
		if got := Bytes(b); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", b, got, want)
		}
	}
}

func TestCheckQuota(t *testing.T) {
	for _, tt := range []struct {
		form  QuotaForm
		wants []string // fields in error
	}{
		{QuotaForm{FieldCPU: "4", FieldMemory: "8Gi", FieldEphemeral: "20G", FieldGPU: "1", FieldBuckets: "10", FieldStoragePerBucket: "1Ti"}, nil},
		{QuotaForm{FieldCPU: "500m"}, nil},
		{QuotaForm{}, nil}, // nothing to change is the handler's message, not a field's
		{QuotaForm{FieldCPU: "four"}, []string{FieldCPU}},
		{QuotaForm{FieldCPU: "-1"}, []string{FieldCPU}},
		{QuotaForm{FieldCPU: "0.0001"}, []string{FieldCPU}},
		{QuotaForm{FieldMemory: "8 GB"}, []string{FieldMemory}},
		{QuotaForm{FieldEphemeral: "-20Gi"}, []string{FieldEphemeral}},
		{QuotaForm{FieldGPU: "0.5"}, []string{FieldGPU}},
		{QuotaForm{FieldGPU: "-2"}, []string{FieldGPU}},
		{QuotaForm{FieldBuckets: "1k"}, []string{FieldBuckets}},
		{QuotaForm{FieldStoragePerBucket: "lots", FieldCPU: "x"}, []string{FieldCPU, FieldStoragePerBucket}},
	} {
		errs := CheckQuota(tt.form)
		var got []string
		for _, f := range QuotaFields {
			if _, ok := errs[f.Name]; ok {
				got = append(got, f.Name)
			}
		}
		if !slices.Equal(got, tt.wants) {
			t.Errorf("CheckQuota(%v) errors on %v (%v), want %v", tt.form, got, errs, tt.wants)
		}
		for f, msg := range errs {
			if !strings.HasPrefix(msg, Label(f)) {
				t.Errorf("message for %s does not name it: %q", f, msg)
			}
		}
	}
}

func TestChangesAndUpdate(t *testing.T) {
	q := &oscar.QuotaResponse{Resources: map[string]oscar.QuotaValues{"cpu": {Max: 4000}, "memory": {Max: 8 << 30}, "gpu": {Max: 0}},
		MinIO: &oscar.MinIOQuota{Buckets: &oscar.QuotaValues{Max: 10}, StoragePerBucket: &oscar.QuantityQuota{Max: "1Gi"}}}
	cur := CurrentForm(q)
	if cur[FieldCPU] != "4" || cur[FieldMemory] != "8Gi" || cur[FieldGPU] != "0" || cur[FieldBuckets] != "10" || cur[FieldStoragePerBucket] != "1Gi" || cur[FieldEphemeral] != "" {
		t.Fatalf("CurrentForm = %v", cur)
	}
	// Equal quantities are no change; blank leaves a value alone.
	f := QuotaForm{FieldCPU: "4000m", FieldMemory: "16Gi", FieldGPU: "0", FieldBuckets: "", FieldStoragePerBucket: "2Gi", FieldEphemeral: "10Gi"}
	ch := Changes(f, cur)
	var fields []string
	for _, c := range ch {
		fields = append(fields, c.Field)
	}
	if !slices.Equal(fields, []string{FieldMemory, FieldEphemeral, FieldStoragePerBucket}) || ch[1].From != "not set" || ch[0].From != "8Gi" || ch[0].To != "16Gi" {
		t.Errorf("Changes = %+v", ch)
	}
	u := Update(ch, cur)
	if u.Memory != "16Gi" || u.EphemeralStorage != "10Gi" || u.CPU != "" || u.MinIO == nil || u.MinIO.StoragePerBucket != "2Gi" || u.MinIO.Buckets != "" {
		t.Errorf("Update = %+v %+v", u, u.MinIO)
	}
	// A GPU change alone goes with the CPU quota as it stands, or OSCAR refuses it.
	u = Update(Changes(QuotaForm{FieldGPU: "2"}, cur), cur)
	if u.GPU != "2" || u.CPU != "4" || u.MinIO != nil {
		t.Errorf("GPU-only Update = %+v", u)
	}
}

func TestRefusalField(t *testing.T) {
	for _, tt := range []struct {
		err       *oscar.Error
		field     string
		refusable bool
	}{
		{&oscar.Error{Kind: oscar.Server, Status: 500, Message: "invalid memory quantity: quantities must match"}, FieldMemory, true},
		{&oscar.Error{Kind: oscar.Server, Status: 500, Message: "invalid minio.storage_per_bucket: bad"}, FieldStoragePerBucket, true},
		{&oscar.Error{Kind: oscar.BadInput, Status: 400, Message: "cpu, memory, ephemeral_storage, volumes or minio must be provided"}, "", true},
		{&oscar.Error{Kind: oscar.Server, Status: 500, Message: "getting ClusterQueue cq-x: not found"}, "", false},
		{&oscar.Error{Kind: oscar.Unreachable}, "", false},
	} {
		if NoQueue(tt.err) != strings.Contains(tt.err.Message, "ClusterQueue") {
			t.Errorf("NoQueue(%q) = %v", tt.err.Message, NoQueue(tt.err))
		}
		field, msg := RefusalField(tt.err)
		if field != tt.field || msg == "" || Refusable(tt.err) != tt.refusable {
			t.Errorf("RefusalField(%q) = %q, %q; refusable %v", tt.err.Message, field, msg, Refusable(tt.err))
		}
	}
}

func TestCells(t *testing.T) {
	q := &oscar.QuotaResponse{Resources: map[string]oscar.QuotaValues{"cpu": {Max: 4000, Used: 1500}, "memory": {Max: 8 << 30, Used: 512 << 20}, "gpu": {Max: 1}},
		MinIO: &oscar.MinIOQuota{Buckets: &oscar.QuotaValues{Max: 10, Used: 3}, StoragePerBucket: &oscar.QuantityQuota{Max: "1Gi"}}}
	got := Cells(q)
	want := []string{"1500m of 4", "512Mi of 8Gi", "0 of 1", "–", "3 of 10", "1Gi"}
	if !slices.Equal(got, want) || len(got) != len(QuotaColumns) {
		t.Errorf("Cells = %q, want %q", got, want)
	}
}
