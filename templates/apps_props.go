package templates

// AppKindCard is one kind of app as the Apps screen offers it.
type AppKindCard struct {
	ID, Title, Description string
	NewURL                 string
	// Problem says why the kind cannot be created now (its template could not be fetched); the
	// card then offers no form.
	Problem string
	// Stale says the template is the last good copy, and since when, when its source is down.
	Stale string
}

// AppRow is one app instance in the Apps list.
type AppRow struct {
	Name, Kind string
	URL        string // the service's page
	State      string // starting | ready | stopped | failing | unknown
	StateClass string
	Reason     string
	OpenURL    string // the exposed URL (no credential in it)
	Stopped    bool
	StartURL   string
	StopURL    string
	RestartURL string
	DeleteURL  string
}

// AppsProps fill the Apps screen.
type AppsProps struct {
	Rows  []AppRow
	Kinds []AppKindCard
}

// AppChoice is a radio button.
type AppChoice struct {
	Value, Label string
	Checked      bool
}

// AppFormProps fill the form of one kind of app.
type AppFormProps struct {
	Kind   AppKindCard
	Action string
	// Values typed (never the secret).
	Name, CPU, Memory                            string
	Bucket, VolumeName, VolumeAmount, VolumeUnit string
	SecretLabel, SecretHint                      string // "" when the app asks for none
	VOs                                          []WizardOption
	VONote                                       string // why no VO can be chosen
	Workspaces                                   []AppChoice
	Buckets                                      []string // the user's buckets, suggested
	Volumes                                      []WizardOption
	VolumesKnown                                 bool
	Units                                        []string
	Errors                                       FieldErrors
	Problem                                      string // OSCAR's refusal, in plain words
}

// AppStateProps fill the state panel of a new app, which the progress page polls.
type AppStateProps struct {
	Name, State, StateClass, Reason string
	Problem                         string // the state could not be read
	Ready                           bool
	OpenURL                         string
	Poll                            string
	RefreshURL                      string
	Settled                         bool
}

// AppProgressProps fill the page shown after an app is created.
type AppProgressProps struct {
	Name, Kind  string
	SecretLabel string
	Secret      string // shown on this page once, then gone
	// FromService: the password is the service token OSCAR made, which the service's page shows too.
	FromService bool
	State       AppStateProps
}

// AppDeleteProps fill the confirmation of an app's deletion.
type AppDeleteProps struct {
	Name, Kind string
	Action     string
	Workspace  string // what is kept: the bucket or volume, in words
}

// hasChoice reports whether the radio choices offer value.
func hasChoice(cs []AppChoice, value string) bool {
	for _, c := range cs {
		if c.Value == value {
			return true
		}
	}
	return false
}

// selectedOption is the value of the selected option, "" when none is.
func selectedOption(opts []WizardOption) string {
	for _, o := range opts {
		if o.Selected {
			return o.Value
		}
	}
	return ""
}
