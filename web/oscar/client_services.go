package oscar

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// includeQuery asks OSCAR to add each service's deployment status.
func includeQuery(includeDeployment bool) url.Values {
	return queryIf(includeDeployment, "include", "deployment")
}

// Services returns GET /system/services: every service the caller may see
// (a bearer caller only sees the services their visibility allows).
func (c *Client) Services(ctx context.Context, ep Endpoint, cr Creds, includeDeployment bool) ([]Service, error) {
	return getList[Service](ctx, c, ep, cr, "list services", []string{"system", "services"}, includeQuery(includeDeployment))
}

// Service returns GET /system/services/{name}.
func (c *Client) Service(ctx context.Context, ep Endpoint, cr Creds, name string, includeDeployment bool) (*Service, error) {
	const op = "get service"
	seg, err := segment("service name", name)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	return getValue[Service](ctx, c, ep, cr, op, []string{"system", "services", seg}, includeQuery(includeDeployment))
}

// CreateService creates a service (POST /system/services). OSCAR answers
// 201 with an empty body after 6 s or more; the SlowTimeout applies.
func (c *Client) CreateService(ctx context.Context, ep Endpoint, cr Creds, s *Service) error {
	return sendNamed(ctx, c, ep, cr, call{op: "create service", method: http.MethodPost, path: []string{"system", "services"}, slow: true}, "service", s, serviceName)
}

// UpdateService replaces a service (PUT /system/services). OSCAR's PUT is
// a full replace, not a patch: pass the Service returned by Client.Service
// with the edits applied, so that owner, token and unknown fields are kept
// (a Basic-auth PUT without owner leaves the service without one). Note
// that GET blanks Environment.Secrets; sending them back blank sets them
// blank. The SlowTimeout applies.
func (c *Client) UpdateService(ctx context.Context, ep Endpoint, cr Creds, s *Service) error {
	return sendNamed(ctx, c, ep, cr, call{op: "update service", method: http.MethodPut, path: []string{"system", "services"}, slow: true}, "service", s, serviceName)
}

func serviceName(s *Service) string { return s.Name }

// DeleteService deletes a service (DELETE /system/services/{name}),
// including its input and output buckets and their contents. It may
// restart OSCAR's MinIO, so the SlowTimeout applies.
func (c *Client) DeleteService(ctx context.Context, ep Endpoint, cr Creds, name string) error {
	return c.deleteNamed(ctx, ep, cr, call{op: "delete service", path: []string{"system", "services"}, slow: true, subject: name}, "service name", name)
}

// Deployment returns GET /system/services/{name}/deployment.
func (c *Client) Deployment(ctx context.Context, ep Endpoint, cr Creds, name string) (*DeploymentStatus, error) {
	const op = "get deployment"
	seg, err := segment("service name", name)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	return getValue[DeploymentStatus](ctx, c, ep, cr, op, []string{"system", "services", seg, "deployment"}, nil)
}

// DeploymentLogs returns GET /system/services/{name}/deployment/logs.
// tailLines <= 0 uses OSCAR's default (200).
func (c *Client) DeploymentLogs(ctx context.Context, ep Endpoint, cr Creds, name string, tailLines int, timestamps bool) (*DeploymentLogStream, error) {
	const op = "get deployment logs"
	seg, err := segment("service name", name)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	q := url.Values{}
	if tailLines > 0 {
		q.Set("tailLines", strconv.Itoa(tailLines))
	}
	if timestamps {
		q.Set("timestamps", "true")
	}
	return getValue[DeploymentLogStream](ctx, c, ep, cr, op, []string{"system", "services", seg, "deployment", "logs"}, q)
}

// Lifecycle actions of an exposed service (POST /system/services/{name}/<action>).
const (
	ActionStop    = "stop"
	ActionStart   = "start"
	ActionRestart = "restart"
)

// ServiceAction stops (scales to zero), starts or restarts (rolls the pods of) an exposed service
// and returns its deployment state right after. OSCAR answers 400 for a service that is not
// exposed, and 403 to a bearer caller who does not own the service.
func (c *Client) ServiceAction(ctx context.Context, ep Endpoint, cr Creds, name, action string) (*DeploymentStatus, error) {
	op := action + " service"
	switch action {
	case ActionStop, ActionStart, ActionRestart:
	default:
		return nil, &Error{Op: "service action", Kind: BadInput, Host: ep.Host(), Message: "unknown action " + strconv.Quote(action)}
	}
	seg, err := segment("service name", name)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	r, err := c.do(ctx, ep, call{op: op, method: http.MethodPost, path: []string{"system", "services", seg, action},
		auth: cr.authorization(), accept: "application/json", subject: name})
	if err != nil {
		return nil, err
	}
	var st DeploymentStatus
	if err := decode(op, ep, r, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// serviceSummary is what the services list reads of each service. Decoding only these members
// lets the JSON decoder skip the rest (scripts, environments, storage credentials) without building
// them: on a cluster with 1,000 services that is most of the list page's work.
type serviceSummary struct {
	Name       string             `json:"name"`
	Image      string             `json:"image"`
	Memory     string             `json:"memory"`
	CPU        string             `json:"cpu"`
	VO         string             `json:"vo"`
	Owner      string             `json:"owner"`
	Visibility string             `json:"visibility"`
	Labels     map[string]string  `json:"labels"`
	Expose     *exposeSummary     `json:"expose"`
	Kserve     *kserveSummary     `json:"kserve"`
	Deployment *DeploymentSummary `json:"deployment"`
}

type exposeSummary struct {
	APIPort []int `json:"api_port"`
}

// kserveSummary only says that the service has a kserve member (its members are skipped).
type kserveSummary struct{}

// ServiceSummary is one service of a list as ServiceSummaries returns it: what pages that list
// services read of it. It is a small value (about 150 bytes). Its labels and deployment summary are
// shared with other calls' summaries of the same answer, so they are reachable only through methods
// that read them: no page can change what another session will see.
type ServiceSummary struct {
	Name       string
	Image      string
	Memory     string
	CPU        string
	VO         string
	Owner      string
	Visibility string
	labels     map[string]string
	deployment *DeploymentSummary
	apiPort    int  // the first API port of an exposed service; 0 for none
	kserve     bool // the service has a kserve member
}

// SummaryOf is the summary of a whole service, as ServiceSummaries would give it.
func SummaryOf(s *Service) ServiceSummary {
	d := serviceSummary{Name: s.Name, Image: s.Image, Memory: s.Memory, CPU: s.CPU, VO: s.VO, Owner: s.Owner,
		Visibility: s.Visibility, Labels: maps.Clone(s.Labels), Deployment: s.Deployment.clone()}
	if s.Expose != nil {
		d.Expose = &exposeSummary{APIPort: s.Expose.APIPort}
	}
	if s.Kserve != nil {
		d.Kserve = &kserveSummary{}
	}
	return d.summary()
}

// summary is the ServiceSummary of a decoded list member; it shares d's labels and deployment.
func (d *serviceSummary) summary() ServiceSummary {
	out := ServiceSummary{Name: d.Name, Image: d.Image, Memory: d.Memory, CPU: d.CPU, VO: d.VO, Owner: d.Owner,
		Visibility: d.Visibility, labels: d.Labels, deployment: d.Deployment, kserve: d.Kserve != nil}
	if d.Expose != nil && len(d.Expose.APIPort) > 0 {
		out.apiPort = d.Expose.APIPort[0]
	}
	return out
}

// Label is the value of one of the service's labels ("" if it does not have it).
func (s *ServiceSummary) Label(key string) string { return s.labels[key] }

// HasLabels reports whether the service has any label.
func (s *ServiceSummary) HasLabels() bool { return len(s.labels) > 0 }

// Deployment is the service's deployment summary, and whether OSCAR gave one.
func (s *ServiceSummary) Deployment() (DeploymentSummary, bool) {
	if s.deployment == nil {
		return DeploymentSummary{}, false
	}
	return *s.deployment, true
}

// Exposed reports whether the service is an exposed one (a non-zero first API port, as
// Expose.Exposed).
func (s *ServiceSummary) Exposed() bool { return s.apiPort != 0 }

// KServe reports whether the service serves a KServe model.
func (s *ServiceSummary) KServe() bool { return s.kserve }

// ServiceSummaries returns GET /system/services (with each service's deployment state when
// includeDeployment is set), keeping only what pages that list services read (the services list,
// the Apps, the Hub's free-name check, the quota page's users): see ServiceSummary.
//
// Every call asks OSCAR and reads its whole answer. An answer identical to one read recently (the
// usual case: a cluster's services change far less often than people look at them) is not decoded
// again: the summaries decoded from it are kept, under a keyed hash of the answer's bytes, in a
// small bounded cache (listCache). Each call gets a slice of its own; the labels and deployment
// summaries in it are shared, read only.
func (c *Client) ServiceSummaries(ctx context.Context, ep Endpoint, cr Creds, includeDeployment bool) ([]ServiceSummary, error) {
	var list []ServiceSummary
	_, err := c.do(ctx, ep, call{op: "list services", method: http.MethodGet, path: []string{"system", "services"},
		query: includeQuery(includeDeployment), auth: cr.authorization(), accept: "application/json",
		stream: func(r io.Reader) error {
			buf := listBuffers.Get().(*bytes.Buffer)
			defer putListBuffer(buf)
			if _, err := buf.ReadFrom(r); err != nil {
				return err
			}
			if int64(buf.Len()) > c.maxBody {
				return errTooLong // decodeStream reports it as TooLarge
			}
			key := c.lists.key(buf.Bytes())
			if cached, ok := c.lists.get(key); ok {
				list = cached
				return nil
			}
			decoded, err := decodeList[serviceSummary](bytes.NewReader(buf.Bytes()))
			if err != nil {
				return err
			}
			list = make([]ServiceSummary, len(decoded))
			for i := range decoded {
				list[i] = decoded[i].summary()
			}
			c.lists.put(key, list)
			return nil
		}})
	if err != nil {
		return nil, err
	}
	return slices.Clone(list), nil
}
