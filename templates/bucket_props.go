package templates

// PreviewProps fills an object's preview page.
type PreviewProps struct {
	Bucket      string
	Key         string
	Name        string // the key's last segment
	Crumbs      []Crumb
	BackURL     string // the object's folder
	DownloadURL string
	OpenURL     string // the object's bytes, inline for images and PDFs only
	// Kind is image, pdf, text, json, csv, binary (a text name, not text bytes), hostile (HTML, SVG:
	// never shown) or none (no preview for this type).
	Kind  string
	Size  string
	Text  string // text and json
	Cut   bool   // only the first Limit of the object is shown
	Limit string
	// CSV
	Header  []string
	Rows    [][]string
	More    bool // rows were left out
	MaxRows string
}

// ObjectsDeleteProps fills the confirmation of deleting several objects.
type ObjectsDeleteProps struct {
	Bucket    string
	Prefix    string   // the folder the selection was made in
	Keys      []string // every object to delete, folders expanded
	Action    string
	CancelURL string
}

// MoveProps fills the move/rename form of an object.
type MoveProps struct {
	Bucket    string
	Key       string
	To        string
	Action    string
	CancelURL string
	Errors    FieldErrors
	Problem   string
}

// RemoteRow is one entry of a folder on a service's other storage.
type RemoteRow struct {
	Name       string
	Dir        bool
	Size       string
	Modified   string
	URL        string // the folder's page, or the file's download
	PreviewURL string
}

// RemoteProps fills the page of one folder on a service's S3, Onedata or WebDAV storage.
type RemoteProps struct {
	Service    string
	ServiceURL string
	Provider   string // kind.id
	Label      string // the kind, for people
	Path       string
	Crumbs     []Crumb
	Rows       []RemoteRow
}
