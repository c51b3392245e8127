package oscar

import (
	"context"
	"net/http"
	"strings"
)

// ManagedVolume is OSCAR's types.ManagedVolume: a persistent volume claim in the caller's
// namespace that services mount (GET /system/volumes). OSCAR leaves Attachments empty today; the
// services that use a volume are those whose volume.name names it.
type ManagedVolume struct {
	Name             string             `json:"name"`
	Namespace        string             `json:"namespace,omitempty"`
	PVCName          string             `json:"pvc_name,omitempty"`
	Size             string             `json:"size,omitempty"`
	OwnerUser        string             `json:"owner_user,omitempty"`
	CreatedByService string             `json:"created_by_service,omitempty"`
	CreationMode     string             `json:"creation_mode,omitempty"` // api | service
	LifecyclePolicy  string             `json:"lifecycle_policy,omitempty"`
	Attachments      []VolumeAttachment `json:"attachments,omitempty"`
	Status           ManagedVolumeState `json:"status"`
}

// VolumeAttachment is a service that mounts a volume, and where.
type VolumeAttachment struct {
	ServiceName string `json:"service_name"`
	MountPath   string `json:"mount_path"`
}

// ManagedVolumeState is OSCAR's types.VolumeStatus: phase is pending, ready, in_use, error,
// deleting or deleted.
type ManagedVolumeState struct {
	Phase           string `json:"phase,omitempty"`
	Message         string `json:"message,omitempty"`
	AttachmentCount int    `json:"attachment_count,omitempty"`
}

// VolumeCreateRequest is OSCAR's types.ManagedVolumeCreateRequest (both members required).
type VolumeCreateRequest struct {
	Name string `json:"name"`
	Size string `json:"size"`
}

// VolumeName is the managed volume a service uses: volume.name, or the service's own name when a
// service creates its volume without naming it (OSCAR's GetVolumeName). "" when it has none.
func (s *Service) VolumeName() string {
	if s == nil || s.Volume == nil {
		return ""
	}
	if n := strings.TrimSpace(s.Volume.Name); n != "" {
		return n
	}
	return s.Name
}

// Volumes returns GET /system/volumes: the managed volumes of the caller's namespace.
func (c *Client) Volumes(ctx context.Context, ep Endpoint, cr Creds) ([]ManagedVolume, error) {
	return getList[ManagedVolume](ctx, c, ep, cr, "list volumes", []string{"system", "volumes"}, nil)
}

// Volume returns GET /system/volumes/{name}.
func (c *Client) Volume(ctx context.Context, ep Endpoint, cr Creds, name string) (*ManagedVolume, error) {
	const op = "get volume"
	seg, err := segment("volume name", name)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	return getValue[ManagedVolume](ctx, c, ep, cr, op, []string{"system", "volumes", seg}, nil)
}

// CreateVolume creates a managed volume (POST /system/volumes) and returns it as OSCAR answers.
func (c *Client) CreateVolume(ctx context.Context, ep Endpoint, cr Creds, req VolumeCreateRequest) (*ManagedVolume, error) {
	const op = "create volume"
	r, err := c.sendJSON(ctx, ep, cr, call{op: op, method: http.MethodPost, path: []string{"system", "volumes"}, subject: req.Name}, req)
	if err != nil {
		return nil, err
	}
	var v ManagedVolume
	if err := decode(op, ep, r, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// DeleteVolume deletes a managed volume (DELETE /system/volumes/{name}). OSCAR refuses (400) while
// a service still uses it.
func (c *Client) DeleteVolume(ctx context.Context, ep Endpoint, cr Creds, name string) error {
	return c.deleteNamed(ctx, ep, cr, call{op: "delete volume", path: []string{"system", "volumes"}, subject: name}, "volume name", name)
}

// volumeRefusal is one of OSCAR's volume refusals: any of the lower-case texts, and the plain words
// for it.
type volumeRefusal struct {
	any  []string
	says string
}

// volumeMessages are OSCAR's volume refusals (pkg/utils/volume.go, pkg/handlers/volumes.go,
// Kubernetes' quota admission). A function: the package keeps no globals.
func volumeMessages() []volumeRefusal {
	return []volumeRefusal{
		{[]string{"volume.name must satisfy"}, "a volume name has at most 63 lower-case letters, digits or hyphens, and starts and ends with a letter or a digit"},
		{[]string{"volume.size must be a valid positive quantity"}, "the volume size must be a positive size such as 1Gi or 500Mi"},
		{[]string{"volume.mount_path is required"}, "the volume needs a mount path"},
		{[]string{"volume.mount_path must be an absolute path"}, "the volume's mount path must start with /"},
		{[]string{"volume.mount_path cannot overlap"}, "the volume's mount path cannot be under /oscar/config or /oscar/bin, which OSCAR uses"},
		{[]string{"volume.lifecycle_policy"}, "the volume's lifecycle is delete or retain, and only applies to a volume the service creates"},
		{[]string{"volume.name is required"}, "name the existing volume to mount, or give a size to create one"},
		{[]string{"volume already exists", "managed volume with the provided name already exists"}, "a volume with this name already exists"},
		{[]string{"referenced volume does not exist"}, "the chosen volume does not exist (it may have been deleted)"},
		{[]string{"still attached"}, "the volume is still used by a service; delete those services or wait until they are gone"},
		{[]string{"exceeded quota", "maximum storage usage per persistentvolumeclaim", "minimum storage usage per persistentvolumeclaim"}, "the volume does not fit in your volume quota"},
	}
}

// volumeMessage words OSCAR's volume refusals; "" when low is none of them.
func volumeMessage(low string) string {
	for _, m := range volumeMessages() {
		for _, a := range m.any {
			if strings.Contains(low, a) {
				return m.says
			}
		}
	}
	return ""
}
