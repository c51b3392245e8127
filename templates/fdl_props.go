package templates

// FileReviewProps is the Review of a whole FDL file before it is applied.
type FileReviewProps struct {
	Problem  string
	Applying string   // the progress page of this file's apply still running, "" if none
	Warnings []string // what the file holds that was ignored or converted
	Steps    []FileStep
	Chains   []FileChain
	Clusters []string
	Blocked  bool // some step cannot be applied: no Apply button
}

// FileStep is one service of the file: what happens to it, in order.
type FileStep struct {
	Order    int
	Name     string
	Action   string // create, update, unchanged, blocked
	Blocked  string
	Notes    []string
	Deferred []string
	Changes  []DiffRow
}

// DiffRow is one field an update changes. A secret has no values, only its State.
type DiffRow struct {
	Field, Old, New string
	Secret          bool
	State           string
}

// FileChain is a folder one service writes to and another reads from.
type FileChain struct {
	Path             string
	Writers, Readers []string
}

// ApplyStatusProps is the progress of a whole-file apply.
type ApplyStatusProps struct {
	Self    string // the page's own URL (the Refresh link)
	Running bool
	Failed  string // the service that failed, "" if none
	Steps   []ApplyStep
}

// ApplyStep is one service of an apply and how far it got.
type ApplyStep struct {
	Name    string
	Action  string
	State   string // pending, running, done, skipped, failed
	Message string // why it failed
	URL     string // the service's page, once applied
}

// actionLabel says what Apply does to a service.
func actionLabel(a string) string {
	switch a {
	case "create":
		return "Create"
	case "update":
		return "Update"
	case "unchanged":
		return "Unchanged (nothing to do)"
	case "blocked":
		return "Cannot be applied"
	}
	return a
}

// stateLabel says how far an apply got with a service.
func stateLabel(s string) string {
	switch s {
	case "pending":
		return "Waiting"
	case "running":
		return "In progress…"
	case "done":
		return "Done"
	case "skipped":
		return "Unchanged, skipped"
	case "failed":
		return "Failed"
	}
	return s
}

// diffState says what happens to a field.
func diffState(r DiffRow) string {
	switch r.State {
	case "sent again":
		return "sent again (OSCAR does not show the current value)"
	}
	return r.State
}
