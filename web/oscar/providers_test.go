package oscar

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestProviderKindsMatchTheTypes keeps the table and the Go types in step: every kind has its map
// in StorageProviders, every field of the table is a field of the provider's type (a string, or a
// bool for Bool fields), and every field of the type is in the table, so that a field added to a
// provider type must be described (secret or not) before it compiles into a passing build.
func TestProviderKindsMatchTheTypes(t *testing.T) {
	spType := reflect.TypeFor[StorageProviders]()
	known := map[string]bool{}
	for _, k := range ProviderKinds() {
		known[k.Kind] = true
		sf, ok := fieldByJSON(spType, k.Kind)
		if !ok {
			t.Errorf("StorageProviders has no member %q", k.Kind)
			continue
		}
		if sf.Type.Kind() != reflect.Map || sf.Type.Elem().Kind() != reflect.Pointer || sf.Type.Elem().Elem().Kind() != reflect.Struct {
			t.Errorf("StorageProviders.%s is %v, want map[string]*<Provider>", sf.Name, sf.Type)
			continue
		}
		pt := sf.Type.Elem().Elem()
		var keys []string
		for _, f := range k.Fields {
			keys = append(keys, f.Key)
			gf, ok := fieldByJSON(pt, f.Key)
			switch {
			case !ok:
				t.Errorf("%s: %s has no field %q", k.Kind, pt.Name(), f.Key)
			case f.Bool && gf.Type.Kind() != reflect.Bool:
				t.Errorf("%s.%s is %v, want bool", k.Kind, f.Key, gf.Type)
			case !f.Bool && gf.Type.Kind() != reflect.String:
				t.Errorf("%s.%s is %v, want string", k.Kind, f.Key, gf.Type)
			}
			if f.Bool && (f.Secret || f.Account) {
				t.Errorf("%s.%s: a checkbox cannot be a credential", k.Kind, f.Key)
			}
		}
		for _, name := range jsonNames(pt) {
			if !slices.Contains(keys, name) {
				t.Errorf("%s: field %q of %s is not in ProviderKinds: say whether it is secret", k.Kind, name, pt.Name())
			}
		}
		if k.Label == "" {
			t.Errorf("%s has no label", k.Kind)
		}
	}
	for i := range spType.NumField() {
		f := spType.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Type.Kind() == reflect.Map && name != "" && !known[name] {
			t.Errorf("StorageProviders.%s (%q) is not in ProviderKinds", f.Name, name)
		}
	}
}

func fieldByJSON(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if n, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); n == name {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// markedService defines one provider of kind whose Secret fields hold "SECRET-…" and whose
// Account fields hold "ACCOUNT-…" markers, which it returns.
func markedService(t *testing.T, k ProviderKind) (s Service, secrets, accounts []string) {
	t.Helper()
	fields := map[string]string{}
	for _, f := range k.Fields {
		switch {
		case f.Secret:
			fields[f.Key] = "SECRET-" + k.Kind + "-" + f.Key
			secrets = append(secrets, fields[f.Key])
		case f.Account:
			fields[f.Key] = "ACCOUNT-" + k.Kind + "-" + f.Key
			accounts = append(accounts, fields[f.Key])
		case f.Bool:
			fields[f.Key] = "true"
		default:
			fields[f.Key] = "plain-" + f.Key
		}
	}
	sp := &StorageProviders{}
	if !sp.Add(k.Kind, "x", fields) {
		t.Fatalf("Add(%s) refused", k.Kind)
	}
	if got := sp.Entries(); len(got) != 1 || !reflect.DeepEqual(got[0].Fields, fields) {
		t.Fatalf("Entries after Add(%s) = %+v, want the fields %v", k.Kind, got, fields)
	}
	return Service{Name: "svc", StorageProviders: sp}, secrets, accounts
}

// TestEverySecretFieldIsMasked proves, for every kind of the table, that Masked hides every Secret
// field and Sanitize every Secret and Account field, without touching the caller's service.
func TestEverySecretFieldIsMasked(t *testing.T) {
	for _, k := range ProviderKinds() {
		t.Run(k.Kind, func(t *testing.T) {
			s, secrets, accounts := markedService(t, k)
			if len(secrets) == 0 {
				t.Fatalf("%s has no secret field", k.Kind)
			}
			masked, _ := json.Marshal(Masked(s))
			shared, _ := json.Marshal(Sanitize(s))
			for _, m := range secrets {
				if strings.Contains(string(masked), m) {
					t.Errorf("Masked keeps %s: %s", m, masked)
				}
			}
			for _, m := range append(secrets, accounts...) {
				if strings.Contains(string(shared), m) {
					t.Errorf("Sanitize keeps %s: %s", m, shared)
				}
			}
			if !strings.Contains(string(masked), Mask) {
				t.Errorf("Masked writes no %s: %s", Mask, masked)
			}
			orig, _ := json.Marshal(s)
			for _, m := range secrets {
				if !strings.Contains(string(orig), m) {
					t.Errorf("Masked or Sanitize changed the caller's service: %s", orig)
				}
			}
		})
	}
}

func secretService() Service {
	return Service{
		Name: "svc", Image: "img", Script: "echo", Token: "tok-0123456789abcdef", Owner: "alice@egi.eu",
		Environment: &Environment{Variables: map[string]string{"A": "1"}, Secrets: map[string]string{"API_KEY": "sek-api"}},
		StorageProviders: &StorageProviders{
			MinIO:   map[string]*MinIOProvider{"other": {Endpoint: "https://m2", AccessKey: "ak-minio", SecretKey: "sk-minio"}},
			S3:      map[string]*S3Provider{"aws": {AccessKey: "ak-s3", SecretKey: "sk-s3", Region: "eu-west-1"}},
			Onedata: map[string]*OnedataProvider{"dh": {OneproviderHost: "op.example.org", Token: "od-token", Space: "sp"}},
			WebDAV:  map[string]*WebDAVProvider{"dc": {Hostname: "dcache.example.org", Login: "wd-login", Password: "wd-pass"}},
			Rucio:   map[string]*RucioProvider{"r": {Host: "rucio.example.org", RefreshToken: "rucio-rt", Account: "acct"}},
		},
		Clusters: map[string]Cluster{"c2": {Endpoint: "https://c2", AuthUser: "cl-user", AuthPassword: "cl-pass"}},
	}
}

func TestMaskedHidesEverySecret(t *testing.T) {
	m := Masked(secretService())
	b, _ := json.Marshal(m)
	for _, secret := range []string{"tok-0123456789abcdef", "sek-api", "sk-minio", "sk-s3", "od-token", "wd-pass", "rucio-rt", "cl-pass"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("masked service contains %q", secret)
		}
	}
	if m.StorageProviders.Onedata["dh"].Token != Mask || m.Environment.Secrets["API_KEY"] != Mask {
		t.Errorf("masked values = %q, %q", m.StorageProviders.Onedata["dh"].Token, m.Environment.Secrets["API_KEY"])
	}
	if m.StorageProviders.Onedata["dh"].OneproviderHost != "op.example.org" {
		t.Error("Masked hid a host name")
	}
}

func TestSanitizeHidesCredentialsAndServerState(t *testing.T) {
	s := secretService()
	s.Labels = map[string]string{"owner_name": "Alice", "team": "blue"}
	s.StorageProviders.MinIO["default"] = &MinIOProvider{AccessKey: "hidden", SecretKey: "hidden"}
	s.BucketList = []string{"b"}
	got := Sanitize(s)
	b, _ := json.Marshal(got)
	for _, secret := range []string{"tok-0123456789abcdef", "alice@egi.eu", "Alice", "sek-api", "ak-minio", "sk-minio", "ak-s3", "sk-s3",
		"od-token", "wd-login", "wd-pass", "rucio-rt", "cl-user", "cl-pass", "hidden", "bucket_list"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("sanitised service contains %q: %s", secret, b)
		}
	}
	if got.Labels["team"] != "blue" || got.StorageProviders.WebDAV["dc"].Hostname != "dcache.example.org" {
		t.Errorf("Sanitize removed more than credentials: %s", b)
	}
}

func TestProvidersEmptyAddMissing(t *testing.T) {
	var none *StorageProviders
	if !none.Empty() || !(&StorageProviders{}).Empty() {
		t.Error("no providers is not Empty")
	}
	if (&StorageProviders{Extra: map[string]json.RawMessage{"ftp": json.RawMessage(`{}`)}}).Empty() {
		t.Error("an unknown kind counts as Empty")
	}
	dst := &StorageProviders{Onedata: map[string]*OnedataProvider{"dh": {Space: "mine"}}}
	dst.AddMissing(&StorageProviders{
		Onedata: map[string]*OnedataProvider{"dh": {Space: "theirs"}, "other": {Space: "o"}},
		Extra:   map[string]json.RawMessage{"ftp": json.RawMessage(`{}`)},
	})
	if dst.Onedata["dh"].Space != "mine" || dst.Onedata["other"] == nil || dst.Extra["ftp"] == nil {
		t.Errorf("AddMissing = %+v", dst)
	}
	if dst.Add(KindOnedata, "dh", nil) || dst.Add("ftp", "x", nil) {
		t.Error("Add replaced a provider or accepted an unknown kind")
	}
}

func TestProviderLabels(t *testing.T) {
	for kind, want := range map[string]string{KindMinIO: "MinIO", KindS3: "Amazon S3", KindOnedata: "Onedata", KindWebDAV: "WebDAV (dCache)", KindRucio: "Rucio", "ftp": "ftp"} {
		if got := ProviderLabel(kind); got != want {
			t.Errorf("ProviderLabel(%q) = %q, want %q", kind, got, want)
		}
	}
	for kind, want := range map[string]bool{KindMinIO: true, KindWebDAV: true, KindRucio: true, KindS3: false, KindOnedata: false, "ftp": false} {
		if IsInputKind(kind) != want {
			t.Errorf("IsInputKind(%q) = %v", kind, !want)
		}
	}
}
