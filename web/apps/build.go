package apps

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/oscarconsole/oscar-console/web/fdl"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// TemplateError is what is wrong with an operator's template, in words for people.
type TemplateError struct{ Msg string }

func (e *TemplateError) Error() string { return e.Msg }

func templateError(format string, a ...any) error {
	return &TemplateError{Msg: fmt.Sprintf(format, a...)}
}

// Template reads a kind's template: the first service of its FDL file, with the script the file
// names taken from script. The service must be exposed (an app is opened in the browser). The
// error's message is meant for people (it says what is wrong with the operator's template).
func Template(k Kind, fdlFile, script []byte) (oscar.Service, error) {
	f, err := fdl.Parse(fdlFile)
	if err != nil {
		var fe *fdl.Error
		if errors.As(err, &fe) {
			return oscar.Service{}, templateError("%s cannot be read: %s", k.FDL, fe.Error())
		}
		return oscar.Service{}, templateError("%s cannot be read", k.FDL)
	}
	if len(f.Functions) == 0 {
		return oscar.Service{}, templateError("%s defines no service", k.FDL)
	}
	s, missing := f.Service(0, map[string]string{ScriptFile: string(script)})
	if missing != "" {
		return oscar.Service{}, templateError("%s names the script %s, which is not %s", k.FDL, missing, ScriptFile)
	}
	if strings.TrimSpace(s.Script) == "" {
		return oscar.Service{}, templateError("%s has no script", k.FDL)
	}
	if strings.TrimSpace(s.Image) == "" {
		return oscar.Service{}, templateError("%s names no image", k.FDL)
	}
	if !s.Expose.Exposed() {
		return oscar.Service{}, templateError("%s does not expose the service (no api_port)", k.FDL)
	}
	return s, nil
}

// ExposedPath is the path of an app behind OSCAR's ingress.
func ExposedPath(name string) string { return "/system/services/" + name + "/exposed" }

// Build fills the template with a valid form: the service sent to OSCAR. secret is the app's
// password (the form's, or one the caller made when it was left empty); endpoint is the user's
// OSCAR endpoint URL. The template's own values stay unless the form sets them; the template's
// service token is dropped (OSCAR makes one) and so are the secrets listed in DropSecrets.
func Build(k Kind, tmpl oscar.Service, f Form, secret, endpoint string) oscar.Service {
	s := oscar.Clone(tmpl)
	s.Name, s.VO, s.CPU, s.Memory, s.Token = f.Name, f.VO, f.CPU, f.Memory, ""
	if s.Environment == nil {
		s.Environment = &oscar.Environment{}
	}
	env := s.Environment
	if env.Variables == nil {
		env.Variables = map[string]string{}
	}
	for _, name := range k.DropSecrets {
		delete(env.Secrets, name)
		delete(env.Variables, name)
	}
	if k.Asked() {
		// A template may give a default password as a plain variable: it goes, and the user's
		// password goes as a secret.
		delete(env.Variables, k.Secret.Env)
		if env.Secrets == nil {
			env.Secrets = map[string]string{}
		}
		env.Secrets[k.Secret.Env] = secret
	}
	if len(env.Secrets) == 0 {
		env.Secrets = nil
	}

	provider := "minio.default"
	if tmpl.Mount != nil {
		provider = cmp.Or(tmpl.Mount.StorageProvider, provider)
	}
	s.Mount, s.Volume = nil, nil
	dir := "/tmp/" + f.Name
	switch f.Workspace {
	case WorkspaceBucket:
		s.Mount = &oscar.StorageIOConfig{StorageProvider: provider, Path: f.Bucket}
		dir = "/mnt/" + f.Bucket
	case WorkspaceVolume:
		dir = k.volumePath(f.Volume)
		s.Volume = &oscar.ServiceVolume{Name: f.Volume, MountPath: dir}
	case WorkspaceNewVolume:
		dir = k.volumePath(f.VolumeName)
		s.Volume = &oscar.ServiceVolume{Name: f.VolumeName, MountPath: dir,
			Size: strings.TrimSpace(f.VolumeAmount) + f.VolumeUnit, LifecyclePolicy: "retain"}
	}
	if k.DirEnv != "" {
		env.Variables[k.DirEnv] = dir
	}
	for _, v := range k.BaseEnv {
		env.Variables[v] = ExposedPath(f.Name)
	}
	for _, v := range k.NameEnv {
		env.Variables[v] = f.Name
	}
	if k.EndpointEnv != "" {
		env.Variables[k.EndpointEnv] = endpoint
	}
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	s.Labels[k.Label] = "true"
	return s
}
