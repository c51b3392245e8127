package wizard

import (
	"fmt"
	"slices"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// The checks that need OSCAR's answers, for a new service: that the name is free (General) and
// that no bucket of the cluster's own MinIO already exists (OSCAR refuses to create a service on
// an existing bucket). The handlers ask OSCAR; if it cannot answer, they skip the check and the
// create itself will tell.

// NeedsNameCheck reports whether saving step should check with OSCAR that the name is free.
func NeedsNameCheck(d *Draft, step string, pr *Problems) bool {
	return d.Mode == ModeNew && (step == General || step == Review) && !pr.Has("name") && d.Service.Name != ""
}

// CheckNameFree adds a problem when one of the cluster's services has the draft's name.
func CheckNameFree(d *Draft, pr *Problems, services []oscar.Service) {
	if slices.ContainsFunc(services, func(s oscar.Service) bool { return s.Name == d.Service.Name }) {
		pr.add("name", fmt.Sprintf("A service named %s already exists on this cluster; choose another name.", d.Service.Name))
	}
}

// NeedsBucketCheck reports whether saving step should check with OSCAR that the buckets of its
// inputs or outputs do not exist yet.
func NeedsBucketCheck(d *Draft, step string) bool {
	return d.Mode == ModeNew && (step == Inputs || step == Outputs || step == Review)
}

// CheckBucketsFree adds a problem to each minio.default input or output of step (both on Review)
// whose bucket is among the cluster's buckets.
func CheckBucketsFree(d *Draft, step string, pr *Problems, buckets []oscar.Bucket) {
	exists := map[string]bool{}
	for _, b := range buckets {
		exists[b.Name] = true
	}
	check := func(list string, rows []ioConfig) {
		for i, io := range rows {
			kind, id := canonicalRef(io.StorageProvider)
			field := fmt.Sprintf("%s[%d].path", list, i)
			if kind != oscar.KindMinIO || id != "default" || pr.Has(field) {
				continue
			}
			if b := bucketOf(kind, io.Path, d.Service.Name); exists[b] {
				pr.add(field, fmt.Sprintf("The bucket %s already exists, and OSCAR only creates a service on new buckets: choose another bucket name.", b))
			}
		}
	}
	if step == Inputs || step == Review {
		check("input", d.Service.Input)
	}
	if step == Outputs || step == Review {
		check("output", d.Service.Output)
	}
}
