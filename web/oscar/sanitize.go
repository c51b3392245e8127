package oscar

import (
	"encoding/json"
	"slices"
)

// Mask is what Masked writes in place of a secret value.
const Mask = "••••"

// serverLabels are the labels OSCAR adds to every service (oscar-api.md §2.1); a sanitised copy
// leaves them out, since OSCAR writes them again and owner_name names a person.
var serverLabels = []string{"oscar_service", "oscar.grycap/user-service", "applicationId", "queue", "owner_name", "vo", "uid"}

// IsServerLabel reports whether OSCAR sets the label itself on every service.
func IsServerLabel(key string) bool { return slices.Contains(serverLabels, key) }

// Clone returns a deep copy of s (maps, slices and unknown members included), made through its
// JSON form.
func Clone(s Service) Service {
	b, err := json.Marshal(s)
	if err != nil {
		return s
	}
	var c Service
	if err := json.Unmarshal(b, &c); err != nil {
		return s
	}
	return c
}

// WithoutServerState returns a copy of s without what only OSCAR sets (bucket_list,
// volume_status, deployment, an empty expose) and without the implicit minio.default provider,
// which clients must not send back.
func WithoutServerState(s Service) Service {
	s = Clone(s)
	s.BucketList = nil
	s.VolumeStatus = nil
	s.Deployment = nil
	if s.Expose != nil && isZeroExpose(s.Expose) {
		s.Expose = nil
	}
	if sp := s.StorageProviders; sp != nil {
		delete(sp.MinIO, "default")
		if sp.Empty() {
			s.StorageProviders = nil
		}
	}
	return s
}

// Sanitize returns a copy of s fit to share: no service token, owner or namespace, no storage or
// cluster credentials (the Secret and Account fields of ProviderKinds), no secret values (their
// names stay), no labels OSCAR adds itself, and none of the server-set state.
func Sanitize(s Service) Service {
	s = WithoutServerState(s)
	s.Token = ""
	s.Owner = ""
	s.Namespace = ""
	for _, l := range serverLabels {
		delete(s.Labels, l)
	}
	if s.Environment != nil {
		for k := range s.Environment.Secrets {
			s.Environment.Secrets[k] = ""
		}
	}
	s.StorageProviders.eachField(func(f ProviderField, v *string) {
		if f.Secret || f.Account {
			*v = ""
		}
	})
	for k, c := range s.Clusters {
		c.AuthUser, c.AuthPassword = "", ""
		s.Clusters[k] = c
	}
	if s.Federation != nil {
		for i := range s.Federation.Members {
			s.Federation.Members[i].Headers = nil
		}
	}
	return s
}

// Masked returns a copy of s for display: every secret value that is set (the Secret fields of
// ProviderKinds, environment secrets, cluster passwords, federation members' headers, the service
// token) reads Mask instead.
func Masked(s Service) Service {
	s = Clone(s)
	mask := func(p *string) {
		if *p != "" {
			*p = Mask
		}
	}
	mask(&s.Token)
	if s.Environment != nil {
		for k, v := range s.Environment.Secrets {
			if v != "" {
				s.Environment.Secrets[k] = Mask
			}
		}
	}
	s.StorageProviders.eachField(func(f ProviderField, v *string) {
		if f.Secret {
			mask(v)
		}
	})
	for k, c := range s.Clusters {
		mask(&c.AuthPassword)
		s.Clusters[k] = c
	}
	if s.Federation != nil {
		// Headers sent to a member in delegations may carry credentials.
		for i := range s.Federation.Members {
			for h, v := range s.Federation.Members[i].Headers {
				if v != "" {
					s.Federation.Members[i].Headers[h] = Mask
				}
			}
		}
	}
	return s
}

func isZeroExpose(e *Expose) bool {
	return !e.Exposed() && e.MinScale == 0 && e.MaxScale == 0 && e.CPUThreshold == 0 && !e.RewriteTarget &&
		!e.DefaultCommand && !e.SetAuth && e.AuthType == "" && e.HealthPath == "" && e.ProbeMode == "" &&
		len(e.Extra) == 0 && !slices.ContainsFunc(e.NodePort, func(p int) bool { return p != 0 })
}
