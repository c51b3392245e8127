package oscar

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// The storage-provider kinds OSCAR knows: their names in storage_providers and in the
// "<kind>.<id>" values of storage_provider.
const (
	KindMinIO   = "minio"
	KindS3      = "s3"
	KindOnedata = "onedata"
	KindWebDAV  = "webdav"
	KindRucio   = "rucio"
)

// ProviderKind describes one kind of storage provider: the wizard, the service page, the FDL
// export and masking all read it (ProviderKinds), so that a field marked Secret here is hidden
// everywhere.
type ProviderKind struct {
	Kind   string // the JSON name in storage_providers ("onedata")
	Label  string // for people ("Onedata")
	Input  bool   // OSCAR accepts it as an input (oscar-api.md §2.2)
	Fields []ProviderField
}

// ProviderField is one field of a storage provider kind.
type ProviderField struct {
	Key   string // the JSON name in the provider's definition ("oneprovider_host")
	Label string
	Hint  string
	// Required fields must be given for OSCAR to use the provider.
	Required bool
	// Secret fields are credentials: Masked hides them, Sanitize blanks them, the service page
	// only says whether they are set, and the wizard never sends them back to the browser.
	Secret bool
	// Account fields name the account (an access key, a login): Sanitize blanks them and the
	// service page hides them, but the wizard shows them for editing.
	Account bool
	Bool    bool // true or false (a checkbox)
	Host    bool // a host name without scheme (OSCAR adds https://)
	URL     bool // a full http(s) URL
}

// ProviderKinds lists the storage-provider kinds in the order the console shows them
// (oscar-api.md §2.3). Each call returns a fresh copy.
func ProviderKinds() []ProviderKind {
	return []ProviderKind{
		{Kind: KindMinIO, Label: "MinIO", Input: true, Fields: []ProviderField{
			{Key: "endpoint", Label: "Endpoint", Hint: "The MinIO server's URL, for example https://minio.example.org.", Required: true, URL: true},
			{Key: "region", Label: "Region", Hint: "Optional, for example us-east-1."},
			{Key: "access_key", Label: "Access key", Required: true, Account: true},
			{Key: "secret_key", Label: "Secret key", Required: true, Secret: true},
			{Key: "verify", Label: "Verify the server's TLS certificate", Bool: true},
		}},
		{Kind: KindS3, Label: "Amazon S3", Fields: []ProviderField{
			{Key: "access_key", Label: "Access key ID", Required: true, Account: true},
			{Key: "secret_key", Label: "Secret access key", Required: true, Secret: true},
			{Key: "region", Label: "Region", Hint: "For example eu-west-1.", Required: true},
		}},
		{Kind: KindOnedata, Label: "Onedata", Fields: []ProviderField{
			{Key: "oneprovider_host", Label: "Oneprovider host", Hint: "Host name only, without https:// (OSCAR adds it), for example oneprovider.example.org.", Required: true, Host: true},
			{Key: "token", Label: "Access token", Hint: "A Onedata access token with write access to the space.", Required: true, Secret: true},
			{Key: "space", Label: "Space", Hint: "The space's name, for example my-space.", Required: true},
		}},
		{Kind: KindWebDAV, Label: "WebDAV (dCache)", Input: true, Fields: []ProviderField{
			{Key: "hostname", Label: "Host name", Hint: "Host name only, without https://, for example dcache.example.org.", Required: true, Host: true},
			{Key: "login", Label: "Login", Required: true, Account: true},
			{Key: "password", Label: "Password", Required: true, Secret: true},
		}},
		{Kind: KindRucio, Label: "Rucio", Input: true, Fields: []ProviderField{
			{Key: "host", Label: "Rucio host", Hint: "Host name only, without https://.", Required: true, Host: true},
			{Key: "auth_host", Label: "Authentication host", Hint: "Optional URL, for example https://rucio-auth.example.org.", URL: true},
			{Key: "account", Label: "Account", Required: true},
			{Key: "rse", Label: "RSE", Hint: "The Rucio storage element, for example DESY-DCACHE.", Required: true},
			{Key: "refresh_token", Label: "Refresh token", Required: true, Secret: true},
			{Key: "oidc_audience", Label: "OIDC audience", Hint: "Optional."},
			{Key: "token_endpoint", Label: "Token endpoint", Hint: "Optional URL of the OIDC token endpoint.", URL: true},
		}},
	}
}

// ProviderKindOf returns the kind named kind ("minio"), and whether the console knows it.
func ProviderKindOf(kind string) (ProviderKind, bool) {
	kinds := ProviderKinds()
	i := slices.IndexFunc(kinds, func(k ProviderKind) bool { return k.Kind == kind })
	if i < 0 {
		return ProviderKind{}, false
	}
	return kinds[i], true
}

// ProviderLabel is the label of a kind, or the kind itself when the console does not know it.
func ProviderLabel(kind string) string {
	if k, ok := ProviderKindOf(kind); ok {
		return k.Label
	}
	return kind
}

// IsInputKind reports whether OSCAR accepts providers of the kind as inputs.
func IsInputKind(kind string) bool {
	k, ok := ProviderKindOf(kind)
	return ok && k.Input
}

// ProviderEntry is one storage provider of a known kind, independent of its Go type: its fields
// by JSON name, booleans written "true" or "false".
type ProviderEntry struct {
	Kind   string
	ID     string
	Fields map[string]string
}

// Entries lists the providers of the known kinds, by kind (in ProviderKinds order) then by id.
// Unknown kinds (Extra) and nil entries are left out.
func (sp *StorageProviders) Entries() []ProviderEntry {
	if sp == nil {
		return nil
	}
	var out []ProviderEntry
	all := reflect.ValueOf(sp).Elem()
	for _, k := range ProviderKinds() {
		m := jsonField(all, k.Kind)
		ids := make([]string, 0, m.Len())
		for _, id := range m.MapKeys() {
			ids = append(ids, id.String())
		}
		slices.Sort(ids)
		for _, id := range ids {
			p := m.MapIndex(reflect.ValueOf(id))
			if p.IsNil() {
				continue
			}
			e := ProviderEntry{Kind: k.Kind, ID: id, Fields: make(map[string]string, len(k.Fields))}
			for _, f := range k.Fields {
				v := jsonField(p.Elem(), f.Key)
				if f.Bool {
					e.Fields[f.Key] = strconv.FormatBool(v.Bool())
				} else {
					e.Fields[f.Key] = v.String()
				}
			}
			out = append(out, e)
		}
	}
	return out
}

// Add defines the provider kind.id from its fields by JSON name (a Bool field is true when it
// reads "true"). It reports false, and changes nothing, when the kind is unknown or the id is
// already defined for that kind.
func (sp *StorageProviders) Add(kind, id string, fields map[string]string) bool {
	k, ok := ProviderKindOf(kind)
	if !ok {
		return false
	}
	m := jsonField(reflect.ValueOf(sp).Elem(), kind)
	key := reflect.ValueOf(id)
	if m.IsNil() {
		m.Set(reflect.MakeMap(m.Type()))
	} else if m.MapIndex(key).IsValid() {
		return false
	}
	p := reflect.New(m.Type().Elem().Elem())
	for _, f := range k.Fields {
		v := jsonField(p.Elem(), f.Key)
		if f.Bool {
			v.SetBool(fields[f.Key] == "true")
		} else {
			v.SetString(fields[f.Key])
		}
	}
	m.SetMapIndex(key, p)
	return true
}

// Empty reports whether sp defines no provider at all, of a known kind or not.
func (sp *StorageProviders) Empty() bool {
	if sp == nil {
		return true
	}
	v := reflect.ValueOf(sp).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Map && f.Len() > 0 {
			return false
		}
	}
	return true
}

// AddMissing adds to sp the providers of src (of every kind, unknown ones included) that sp does
// not define itself.
func (sp *StorageProviders) AddMissing(src *StorageProviders) {
	if src == nil {
		return
	}
	dst, from := reflect.ValueOf(sp).Elem(), reflect.ValueOf(src).Elem()
	for i := range dst.NumField() {
		d, s := dst.Field(i), from.Field(i)
		if d.Kind() != reflect.Map {
			continue
		}
		for _, k := range s.MapKeys() {
			if d.IsNil() {
				d.Set(reflect.MakeMap(d.Type()))
			}
			if !d.MapIndex(k).IsValid() {
				d.SetMapIndex(k, s.MapIndex(k))
			}
		}
	}
}

// eachField calls fn on every string field of every provider of a known kind, with the field's
// description.
func (sp *StorageProviders) eachField(fn func(f ProviderField, v *string)) {
	if sp == nil {
		return
	}
	all := reflect.ValueOf(sp).Elem()
	for _, k := range ProviderKinds() {
		m := jsonField(all, k.Kind)
		for _, id := range m.MapKeys() {
			p := m.MapIndex(id)
			if p.IsNil() {
				continue
			}
			for _, f := range k.Fields {
				if v := jsonField(p.Elem(), f.Key); v.Kind() == reflect.String {
					fn(f, v.Addr().Interface().(*string))
				}
			}
		}
	}
}

// jsonField is the field of struct value v whose JSON name is name. The provider types and
// ProviderKinds are kept in step by a test, so a missing field is a programming error.
func jsonField(v reflect.Value, name string) reflect.Value {
	t := v.Type()
	for i := range t.NumField() {
		if n, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); n == name {
			return v.Field(i)
		}
	}
	panic("oscar: " + t.Name() + " has no field " + name)
}
