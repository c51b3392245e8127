package wizard

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/form"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// The Storage step's Mount section: a bucket of a MinIO provider mounted into the container
// (OSCAR's mount member: storage provider and path, plus rclone options the form keeps as they
// are). OSCAR only mounts MinIO buckets, and only private ones: it refuses the service otherwise.

// mountRefs are the providers a mount can use: minio.default and the MinIO providers defined.
func mountRefs(d *Draft) []string {
	var out []string
	for _, ref := range d.providerRefs(false) {
		if kind, _ := canonicalRef(ref); kind == oscar.KindMinIO {
			out = append(out, ref)
		}
	}
	return out
}

func parseMount(d *Draft, v url.Values) {
	s := &d.Service
	prov := form.Line(v.Get("mount.storage_provider"))
	path := form.Line(v.Get("mount.path"))
	if prov == "" {
		// No mount. OSCAR returns an empty mount for a service without one: keep it as it came.
		if m := s.Mount; m != nil && (m.StorageProvider != "" || m.Path != "") {
			s.Mount = nil
		}
		return
	}
	if kind, id := canonicalRef(prov); kind == oscar.KindMinIO {
		prov = kind + "." + id // "minio" is minio.default, as OSCAR reads it
	}
	if s.Mount == nil {
		s.Mount = &oscar.StorageIOConfig{}
	}
	s.Mount.StorageProvider, s.Mount.Path = prov, path
}

// mounting reports whether the draft mounts a bucket.
func (d *Draft) mounting() bool {
	m := d.Service.Mount
	return m != nil && (m.StorageProvider != "" || m.Path != "")
}

func validateMount(d *Draft, p *Problems) {
	if !d.mounting() {
		return
	}
	m := d.Service.Mount
	kind, id := canonicalRef(m.StorageProvider)
	defined := false
	for _, ref := range mountRefs(d) {
		defined = defined || ref == kind+"."+id
	}
	switch {
	case kind != oscar.KindMinIO:
		p.add("mount.storage_provider", "OSCAR only mounts buckets of a MinIO provider.")
	case !defined:
		p.add("mount.storage_provider", fmt.Sprintf("The provider %s.%s is not defined: add it above.", kind, id))
	}
	switch path := strings.Trim(m.Path, " /"); {
	case path == "":
		p.add("mount.path", "Give the bucket to mount, and optionally a folder: bucket/folder.")
	default:
		if msg := bucketProblem(strings.SplitN(path, "/", 2)[0]); msg != "" {
			p.add("mount.path", msg)
		}
	}
}

// NeedsMountCheck reports whether saving step should check with OSCAR that the mounted bucket, if
// it exists, is private (OSCAR refuses to mount any other).
func NeedsMountCheck(d *Draft, step string, pr *Problems) bool {
	if (step != Storage && step != Review) || !d.mounting() || pr.Has("mount.path") || pr.Has("mount.storage_provider") {
		return false
	}
	kind, id := canonicalRef(d.Service.Mount.StorageProvider)
	return kind == oscar.KindMinIO && id == "default"
}

// CheckMountPrivate adds a problem when the mounted bucket is one of the user's buckets and is not
// private. A bucket that does not exist yet is created private by OSCAR.
func CheckMountPrivate(d *Draft, pr *Problems, buckets []oscar.Bucket) {
	b := strings.SplitN(strings.Trim(d.Service.Mount.Path, " /"), "/", 2)[0]
	for _, bk := range buckets {
		if bk.Name == b && bk.Visibility != "" && bk.Visibility != "private" {
			pr.add("mount.path", fmt.Sprintf("The bucket %s is %s, and OSCAR only mounts private buckets: make it private on its bucket page, or mount another.", b, bk.Visibility))
		}
	}
}

func mountProps(d *Draft) *templates.WizardMount {
	x := &templates.WizardMount{}
	current := ""
	if m := d.Service.Mount; m != nil {
		x.Path, x.Options = m.Path, m.Options
		current = m.StorageProvider
		if kind, id := canonicalRef(current); current != "" && kind == oscar.KindMinIO {
			current = kind + "." + id
		}
	}
	x.Providers = options(append([]string{""}, mountRefs(d)...), current, func(v string) string {
		if v == "" {
			return "No mounted bucket"
		}
		return v
	})
	return x
}
