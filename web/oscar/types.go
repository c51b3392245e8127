package oscar

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
)

// Service is an OSCAR service definition (OSCAR's types.Service) with OSCAR's
// exact JSON names.
//
// OSCAR's PUT /system/services replaces the whole service, so a Service read
// with GET must be sent back complete: fields this type does not know are kept
// in Extra by UnmarshalJSON and written back by MarshalJSON. Edit the value
// returned by Client.Service and pass it to Client.UpdateService.
//
// Some fields come back from OSCAR with secrets in clear text (the
// credentials of non-default storage providers, Clusters passwords); the
// default MinIO keys and Environment.Secrets come back as "hidden" or "".
type Service struct {
	Name                    string             `json:"name"`
	ClusterID               string             `json:"cluster_id,omitempty"`
	Image                   string             `json:"image"`
	Script                  string             `json:"script"`
	Memory                  string             `json:"memory,omitempty"`
	CPU                     string             `json:"cpu,omitempty"`
	TotalMemory             string             `json:"total_memory,omitempty"`
	TotalCPU                string             `json:"total_cpu,omitempty"`
	EphemeralStorageRequest string             `json:"ephemeral_storage_request,omitempty"`
	EnableGPU               bool               `json:"enable_gpu,omitempty"`
	EnableSGX               bool               `json:"enable_sgx,omitempty"`
	ImagePrefetch           bool               `json:"image_prefetch,omitempty"`
	Alpine                  bool               `json:"alpine,omitempty"`
	FileStageIn             bool               `json:"file_stage_in,omitempty"`
	LogLevel                string             `json:"log_level,omitempty"`
	Synchronous             *Synchronous       `json:"synchronous,omitempty"`
	Token                   string             `json:"token,omitempty"` // server generated; kept across PUT
	Input                   []StorageIOConfig  `json:"input,omitempty"`
	Output                  []StorageIOConfig  `json:"output,omitempty"`
	Mount                   *StorageIOConfig   `json:"mount,omitempty"`
	StorageProviders        *StorageProviders  `json:"storage_providers,omitempty"`
	ImagePullSecrets        []string           `json:"image_pull_secrets,omitempty"`
	Expose                  *Expose            `json:"expose,omitempty"`
	Environment             *Environment       `json:"environment,omitempty"`
	Annotations             map[string]string  `json:"annotations,omitempty"`
	Labels                  map[string]string  `json:"labels,omitempty"`
	VO                      string             `json:"vo,omitempty"`
	Owner                   string             `json:"owner,omitempty"`     // server set; must be sent back on PUT
	Namespace               string             `json:"namespace,omitempty"` // server set
	InterLinkNodeName       string             `json:"interlink_node_name,omitempty"`
	Visibility              string             `json:"visibility,omitempty"` // private | public | restricted
	AllowedUsers            []string           `json:"allowed_users,omitempty"`
	IsolationLevel          string             `json:"isolation_level,omitempty"` // SERVICE | USER
	BucketList              []string           `json:"bucket_list,omitempty"`     // server set
	Clusters                map[string]Cluster `json:"clusters,omitempty"`
	Federation              *Federation        `json:"federation,omitempty"`
	Volume                  *ServiceVolume     `json:"volume,omitempty"`
	VolumeStatus            *VolumeStatus      `json:"volume_status,omitempty"` // server set
	Deployment              *DeploymentSummary `json:"deployment,omitempty"`    // server set, ?include=deployment
	Kserve                  *Kserve            `json:"kserve,omitempty"`

	// Extra holds the JSON members this type does not know, verbatim, so
	// that they survive a GET then PUT round trip.
	Extra map[string]json.RawMessage `json:",embed"`
}

// Synchronous configures Knative scaling for synchronous invocations.
type Synchronous struct {
	MinScale int `json:"min_scale"`
	MaxScale int `json:"max_scale"`
}

// StorageIOConfig is one entry of a service's input or output list, or its
// mount. StorageProvider is "<provider>.<id>" (for example "minio.default"),
// Path is "bucket/folder" for MinIO and S3.
type StorageIOConfig struct {
	StorageProvider string   `json:"storage_provider"`
	Path            string   `json:"path"`
	Suffix          []string `json:"suffix,omitempty"`
	Prefix          []string `json:"prefix,omitempty"`
	Options         string   `json:"options,omitempty"` // rclone flags, mount only

	// Extra holds unknown members (see Service.Extra).
	Extra map[string]json.RawMessage `json:",embed"`
}

// StorageProviders holds the storage provider definitions of a service, by
// provider kind and then by id. OSCAR always (re)writes MinIO["default"]
// with "hidden" keys; clients should not send it.
type StorageProviders struct {
	MinIO   map[string]*MinIOProvider   `json:"minio,omitempty"`
	S3      map[string]*S3Provider      `json:"s3,omitempty"`
	Onedata map[string]*OnedataProvider `json:"onedata,omitempty"`
	WebDAV  map[string]*WebDAVProvider  `json:"webdav,omitempty"`
	Rucio   map[string]*RucioProvider   `json:"rucio,omitempty"`

	// Extra holds unknown provider kinds (see Service.Extra).
	Extra map[string]json.RawMessage `json:",embed"`
}

// MinIOProvider is a MinIO server and its credentials. OSCAR also uses it
// for the minio_provider member of /system/config.
type MinIOProvider struct {
	Endpoint  string `json:"endpoint"`
	Verify    bool   `json:"verify"`
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key"`
	Region    string `json:"region"`
}

// S3Provider is an Amazon S3 account.
type S3Provider struct {
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key"`
	Region    string `json:"region"`
}

// OnedataProvider is a Onedata space. OneproviderHost has no scheme.
type OnedataProvider struct {
	OneproviderHost string `json:"oneprovider_host"`
	Token           string `json:"token"`
	Space           string `json:"space"`
}

// WebDAVProvider is a WebDAV (dCache) server. Hostname has no scheme.
type WebDAVProvider struct {
	Hostname string `json:"hostname"`
	Login    string `json:"login"`
	Password string `json:"password"`
}

// RucioProvider is a Rucio data management server.
type RucioProvider struct {
	Host          string `json:"host"`
	Account       string `json:"account"`
	RSE           string `json:"rse"`
	RefreshToken  string `json:"refresh_token"`
	AuthHost      string `json:"auth_host,omitempty"`
	OIDCAudience  string `json:"oidc_audience,omitempty"`
	TokenEndpoint string `json:"token_endpoint,omitempty"`
}

// Environment holds a service's environment variables and secrets. OSCAR
// blanks secret values ("") in what GET returns.
type Environment struct {
	Variables map[string]string `json:"variables,omitempty"`
	Secrets   map[string]string `json:"secrets,omitempty"`
}

// Expose configures an exposed service (a Deployment plus an ingress).
// APIPort and NodePort are arrays since OSCAR v4.1.0.
type Expose struct {
	MinScale       int    `json:"min_scale"`
	MaxScale       int    `json:"max_scale"`
	APIPort        []int  `json:"api_port"`
	CPUThreshold   int    `json:"cpu_threshold"`
	RewriteTarget  bool   `json:"rewrite_target"`
	NodePort       []int  `json:"nodePort"`
	DefaultCommand bool   `json:"default_command"`
	SetAuth        bool   `json:"set_auth"`
	AuthType       string `json:"auth_type,omitempty"`   // basic | forward
	HealthPath     string `json:"health_path,omitempty"` // default "/"
	ProbeMode      string `json:"probe_mode,omitempty"`  // legacy | direct

	// Extra holds unknown members (see Service.Extra).
	Extra map[string]json.RawMessage `json:",embed"`
}

// Exposed reports whether the service is exposed: OSCAR treats a non-zero
// first api_port as "exposed".
func (e *Expose) Exposed() bool {
	return e != nil && len(e.APIPort) > 0 && e.APIPort[0] != 0
}

// Cluster is a federated or delegated OSCAR cluster. AuthPassword is a
// secret that OSCAR returns in clear text.
type Cluster struct {
	Endpoint     string `json:"endpoint"`
	AuthUser     string `json:"auth_user"`
	AuthPassword string `json:"auth_password"`
	SSLVerify    bool   `json:"ssl_verify"`
}

// Federation describes a service federation across clusters (OSCAR v4).
type Federation struct {
	GroupID              string    `json:"group_id,omitempty"`
	Topology             string    `json:"topology,omitempty"`   // none | star | mesh
	Delegation           string    `json:"delegation,omitempty"` // static | random | load-based | topsis
	ReschedulerThreshold int       `json:"rescheduler_threshold,omitempty"`
	Members              []Replica `json:"members,omitempty"`

	// Extra holds unknown members (see Service.Extra).
	Extra map[string]json.RawMessage `json:",embed"`
}

// Replica is one member of a federation.
type Replica struct {
	Type        string            `json:"type"` // oscar | endpoint
	ClusterID   string            `json:"cluster_id,omitempty"`
	ServiceName string            `json:"service_name,omitempty"`
	URL         string            `json:"url,omitempty"`
	SSLVerify   bool              `json:"ssl_verify"`
	Priority    int               `json:"priority"`
	Headers     map[string]string `json:"headers,omitempty"`
}

// ServiceVolume asks OSCAR to create or attach a managed persistent volume.
// It cannot change after creation.
type ServiceVolume struct {
	Name            string `json:"name,omitempty"`
	Size            string `json:"size,omitempty"`
	MountPath       string `json:"mount_path,omitempty"`
	LifecyclePolicy string `json:"lifecycle_policy,omitempty"` // delete | retain
}

// VolumeStatus is the server-set state of a service's volume.
type VolumeStatus struct {
	Enabled bool   `json:"enabled"`
	Name    string `json:"name,omitempty"`
	Phase   string `json:"phase,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Kserve configures a KServe inference service. OSCAR rejects a kserve
// object without type or storage_uri.
type Kserve struct {
	Type         string              `json:"type,omitempty"` // inference | llm_inference
	Inference    *KserveInference    `json:"inference,omitempty"`
	LLMInference *KserveLLMInference `json:"llm_inference,omitempty"`
	StorageURI   string              `json:"storage_uri,omitempty"`
	APIVersion   string              `json:"api_version,omitempty"`
	MinScale     int                 `json:"min_scale"`
	MaxScale     int                 `json:"max_scale,omitempty"`
	CPU          string              `json:"cpu,omitempty"`
	Memory       string              `json:"memory,omitempty"`
	Args         []string            `json:"args,omitempty"`
	Env          map[string]string   `json:"env,omitempty"`
	EnableGPU    bool                `json:"enable_gpu"`
	SetAuth      bool                `json:"set_auth"`

	// Extra holds unknown members (see Service.Extra).
	Extra map[string]json.RawMessage `json:",embed"`
}

// KserveInference configures a standard KServe InferenceService.
type KserveInference struct {
	ModelFormat string `json:"model_format,omitempty"`
	Runtime     string `json:"runtime,omitempty"`
}

// KserveLLMInference configures a KServe LLMInferenceService.
type KserveLLMInference struct {
	RuntimeImage string `json:"runtime_image,omitempty"`
}

// DeploymentSummary is the deployment state OSCAR adds to each service with
// ?include=deployment.
type DeploymentSummary struct {
	State              string `json:"state"` // pending | ready | degraded | failed | stopped | unavailable
	Reason             string `json:"reason,omitempty"`
	LastTransitionTime string `json:"last_transition_time,omitempty"`
	ActiveInstances    int    `json:"active_instances"`
	AffectedInstances  int    `json:"affected_instances"`
	ResourceKind       string `json:"resource_kind,omitempty"` // exposed_service | kserve_service | knative_service | unavailable
}

// DeploymentStatus is OSCAR's types.ServiceDeploymentStatus, returned by
// GET /system/services/{name}/deployment.
type DeploymentStatus struct {
	ServiceName        string `json:"service_name"`
	Namespace          string `json:"namespace,omitempty"`
	State              string `json:"state"`
	Reason             string `json:"reason,omitempty"`
	LastTransitionTime string `json:"last_transition_time,omitempty"`
	ActiveInstances    int    `json:"active_instances"`
	AffectedInstances  int    `json:"affected_instances"`
	ResourceKind       string `json:"resource_kind,omitempty"`
}

// DeploymentLogStream is OSCAR's types.DeploymentLogStream.
type DeploymentLogStream struct {
	ServiceName string               `json:"service_name"`
	Available   bool                 `json:"available"`
	Message     string               `json:"message,omitempty"`
	Entries     []DeploymentLogEntry `json:"entries"`
}

// DeploymentLogEntry is one line of a deployment log.
type DeploymentLogEntry struct {
	Timestamp string `json:"timestamp,omitempty"`
	Message   string `json:"message"`
}

// Info is OSCAR's types.Info (GET /system/info).
type Info struct {
	Version           string             `json:"version"`
	GitCommit         string             `json:"git_commit"`
	Architecture      string             `json:"architecture"`
	KubernetesVersion string             `json:"kubernetes_version"`
	ServerlessBackend *ServerlessBackend `json:"serverless_backend,omitempty"`
}

// ServerlessBackend names the serverless backend (Knative) of a cluster.
type ServerlessBackend struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// ConfigForUser is OSCAR's types.ConfigForUser (GET /system/config).
// MinIOProvider holds MinIO credentials in clear text: the root keys for a
// Basic-auth caller, the user's own keys for a Bearer caller. Treat it as a
// secret and never cache or log it.
type ConfigForUser struct {
	Config                   ClusterConfig  `json:"config"`
	MinIOProvider            *MinIOProvider `json:"minio_provider,omitempty"`
	AllowedImageRepositories []string       `json:"allowed_image_repositories"`
}

// ClusterConfig is the JSON-visible part of OSCAR's types.Config.
type ClusterConfig struct {
	Name                     string   `json:"name"`
	Namespace                string   `json:"namespace"`
	ServicesNamespace        string   `json:"services_namespace"`
	ControllerServiceAccount string   `json:"controller_service_account,omitempty"`
	GPUAvailable             bool     `json:"gpu_available"`
	InterLinkAvailable       bool     `json:"interLink_available"`
	ServerlessBackend        string   `json:"serverless_backend,omitempty"`
	YunikornEnable           bool     `json:"yunikorn_enable"`
	KueueEnable              bool     `json:"kueue_enable"`
	VolumeEnable             bool     `json:"volume_enable"`
	OIDCGroups               []string `json:"oidc_groups"`
	MinIOQuotaEnabled        bool     `json:"minio_quota_enabled"`
}

// JobsResponse is one page of a service's jobs (GET /system/logs/{svc}).
// Pass NextPage to Client.Jobs for the next page; it is empty on the last.
type JobsResponse struct {
	Jobs          map[string]JobInfo `json:"jobs"`
	NextPage      string             `json:"next_page,omitempty"`
	RemainingJobs int                `json:"remaining_jobs"`
}

// JobInfo is the state of one job. Status is the pod phase (Pending,
// Running, Succeeded, Failed, Unknown) or Suspended while no pod exists.
type JobInfo struct {
	Status       string `json:"status"`
	CreationTime string `json:"creation_time,omitempty"`
	StartTime    string `json:"start_time,omitempty"`
	FinishTime   string `json:"finish_time,omitempty"`
}

// Bucket is OSCAR's utils.MinIOBucket. For CreateBucket, Name may be
// "bucket/folder".
type Bucket struct {
	Name         string            `json:"bucket_name"`
	Visibility   string            `json:"visibility,omitempty"` // private | public | restricted
	AllowedUsers []string          `json:"allowed_users,omitempty"`
	Owner        string            `json:"owner,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"` // tags: owner, owner_name, from_service, service
	Objects      []BucketObject    `json:"objects,omitempty"`
	StorageQuota *BucketQuota      `json:"storage_quota,omitempty"`
	StorageUsage *BucketUsage      `json:"storage_usage,omitempty"`
	Attribution  string            `json:"attribution,omitempty"`
}

// BucketObject is one object in a bucket listing.
type BucketObject struct {
	Name         string `json:"object_name"`
	Size         int64  `json:"size_bytes"`
	Owner        string `json:"owner,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// BucketQuota is a bucket's storage quota.
type BucketQuota struct {
	Max      string `json:"max,omitempty"`
	MaxBytes int64  `json:"max_bytes,omitempty"`
	Source   string `json:"source,omitempty"`
}

// BucketUsage is a bucket's storage usage.
type BucketUsage struct {
	Used      string `json:"used,omitempty"`
	UsedBytes int64  `json:"used_bytes"`
	Objects   int64  `json:"objects"`
}

// BucketListResponse is one page of a bucket's objects
// (GET /system/buckets/{bucket}); pass NextPage to Client.Bucket for the
// next page.
type BucketListResponse struct {
	Bucket
	NextPage      string `json:"next_page,omitempty"`
	IsTruncated   bool   `json:"is_truncated"`
	ReturnedItems int    `json:"returned_items"`
}

// Presign operations.
const (
	PresignUpload   = "upload"
	PresignDownload = "download"
)

// PresignRequest asks OSCAR for a presigned MinIO URL.
// ExpiresIn is in seconds (OSCAR: default 900, range 1..604800).
type PresignRequest struct {
	ObjectKey    string            `json:"object_key"`
	Operation    string            `json:"operation"` // PresignUpload | PresignDownload
	ExpiresIn    int               `json:"expires_in,omitempty"`
	ContentType  string            `json:"content_type,omitempty"`
	ExtraHeaders map[string]string `json:"extra_headers,omitempty"`
}

// PresignResponse is a presigned URL. The URL host is OSCAR's MinIO
// endpoint; fetch it with Client.PutObject or Client.GetObject so that the
// same endpoint policy applies.
type PresignResponse struct {
	ObjectKey string            `json:"object_key"`
	Operation string            `json:"operation"`
	Method    string            `json:"method"` // PUT | GET
	URL       string            `json:"url"`
	ExpiresAt string            `json:"expires_at"` // RFC 3339
	Headers   map[string]string `json:"headers,omitempty"`
}

// StatusInfo is OSCAR's types.StatusInfo (GET /system/status). The OSCAR
// jobs and MinIO parts are only filled for admins.
type StatusInfo struct {
	Cluster ClusterStatus `json:"cluster"`
	OSCAR   OSCARStatus   `json:"oscar"`
	MinIO   MinIOStatus   `json:"minio"`
}

// ClusterStatus describes the Kubernetes cluster.
type ClusterStatus struct {
	NodesCount int            `json:"nodes_count"`
	Metrics    ClusterMetrics `json:"metrics"`
	Nodes      []NodeDetail   `json:"nodes"`
}

// ClusterMetrics sums the cluster's resources.
type ClusterMetrics struct {
	CPU    CPUMetrics    `json:"cpu"`
	Memory MemoryMetrics `json:"memory"`
	GPU    GPUMetrics    `json:"gpu"`
}

// CPUMetrics are CPU figures in cores (OSCAR reports millicores for some).
type CPUMetrics struct {
	TotalFreeCores              int64 `json:"total_free_cores"`
	MaxFreeOnNodeCores          int64 `json:"max_free_on_node_cores"`
	TotalSchedulableCores       int64 `json:"total_schedulable_cores"`
	TotalSchedulableOnNodeCores int64 `json:"total_schedulable_on_node_cores"`
}

// MemoryMetrics are memory figures in bytes.
type MemoryMetrics struct {
	TotalFreeBytes            int64 `json:"total_free_bytes"`
	MaxFreeOnNodeBytes        int64 `json:"max_free_on_node_bytes"`
	TotalSchedulableBytes     int64 `json:"total_schedulable_bytes"`
	MaxSchedulableOnNodeBytes int64 `json:"max_schedulable_on_node_bytes"`
}

// GPUMetrics counts GPUs.
type GPUMetrics struct {
	TotalGPU int64 `json:"total_gpu"`
}

// NodeDetail describes one node.
type NodeDetail struct {
	Name        string          `json:"name"`
	Status      string          `json:"status,omitempty"`
	IsInterLink bool            `json:"is_interlink"`
	GPU         int64           `json:"gpu"`
	CPU         NodeResource    `json:"cpu"`
	Memory      NodeResource    `json:"memory"`
	Conditions  []NodeCondition `json:"conditions,omitempty"`
}

// NodeResource holds a node's capacity, requests and usage.
type NodeResource struct {
	CapacityCores int64 `json:"capacity_cores,omitempty"`
	RequestCores  int64 `json:"request_cores,omitempty"`
	UsageCores    int64 `json:"usage_cores,omitempty"`
	CapacityBytes int64 `json:"capacity_bytes,omitempty"`
	RequestBytes  int64 `json:"request_bytes,omitempty"`
	UsageBytes    int64 `json:"usage_bytes,omitempty"`
}

// NodeCondition is one Kubernetes node condition.
type NodeCondition struct {
	Type   string `json:"type"`
	Status bool   `json:"status"`
}

// OSCARStatus describes the OSCAR manager deployment.
type OSCARStatus struct {
	DeploymentName string          `json:"deployment_name"`
	Ready          bool            `json:"ready"`
	Deployment     OSCARDeployment `json:"deployment"`
	JobsCount      int             `json:"jobs_count"`
	Pods           PodStates       `json:"pods"`
	OIDC           OIDCInfo        `json:"oidc"`
}

// OSCARDeployment is the manager's Kubernetes Deployment.
type OSCARDeployment struct {
	AvailableReplicas int               `json:"available_replicas"`
	ReadyReplicas     int               `json:"ready_replicas"`
	Replicas          int               `json:"replicas"`
	CreationTimestamp string            `json:"creation_timestamp,omitempty"`
	Strategy          string            `json:"strategy,omitempty"`
	Labels            map[string]string `json:"labels,omitempty"`
}

// PodStates counts the manager's pods by phase.
type PodStates struct {
	Total  int            `json:"total"`
	States map[string]int `json:"states,omitempty"`
}

// OIDCInfo tells how OSCAR accepts OIDC tokens.
type OIDCInfo struct {
	Enabled bool     `json:"enabled"`
	Issuers []string `json:"issuers,omitempty"`
	Groups  []string `json:"groups,omitempty"`
}

// MinIOStatus counts MinIO buckets and objects (admins only).
type MinIOStatus struct {
	BucketsCount int `json:"buckets_count"`
	TotalObjects int `json:"total_objects"`
}

// QuotaResponse is OSCAR's types.QuotaResponse (GET /system/quotas/user).
type QuotaResponse struct {
	UserID       string                 `json:"user_id"`
	ClusterQueue string                 `json:"cluster_queue,omitempty"`
	Resources    map[string]QuotaValues `json:"resources,omitempty"`
	Volumes      *VolumeQuota           `json:"volumes,omitempty"`
	MinIO        *MinIOQuota            `json:"minio,omitempty"`
}

// QuotaValues is a maximum and the amount used (CPU in millicores, memory
// in bytes).
type QuotaValues struct {
	Max  int64 `json:"max"`
	Used int64 `json:"used"`
}

// VolumeQuota holds the volume quotas, as Kubernetes quantities.
type VolumeQuota struct {
	Disk             *QuantityQuota `json:"disk,omitempty"`
	Volumes          *QuantityQuota `json:"volumes,omitempty"`
	MaxDiskPerVolume string         `json:"max_disk_per_volume,omitempty"`
	MinDiskPerVolume string         `json:"min_disk_per_volume,omitempty"`
}

// QuantityQuota is a maximum and the amount used, as strings.
type QuantityQuota struct {
	Max  string `json:"max,omitempty"`
	Used string `json:"used,omitempty"`
}

// MinIOQuota holds the MinIO quotas.
type MinIOQuota struct {
	Buckets          *QuotaValues   `json:"buckets,omitempty"`
	StoragePerBucket *QuantityQuota `json:"storage_per_bucket,omitempty"`
	StorageTotal     *QuantityQuota `json:"storage_total,omitempty"`
}

// unmarshalKeepingExtra decodes data into v (a pointer to a struct type
// without custom JSON methods) and stores in *extra every member of data
// that no field of v takes. Matching follows encoding/json, which is
// case-insensitive.
func unmarshalKeepingExtra(data []byte, v any, extra *map[string]json.RawMessage) error {
	if err := json.Unmarshal(data, v); err != nil {
		return err
	}
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return nil
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	names := jsonNames(reflect.TypeOf(v).Elem())
	*extra = nil
	for k, raw := range all {
		if isKnown(names, k) {
			continue
		}
		if *extra == nil {
			*extra = make(map[string]json.RawMessage)
		}
		(*extra)[k] = raw
	}
	return nil
}

// marshalWithExtra encodes v (a pointer to a struct without custom JSON
// methods) and appends the members of extra that v does not encode itself,
// in sorted order so that output is stable.
func marshalWithExtra(v any, extra map[string]json.RawMessage) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	names := jsonNames(reflect.TypeOf(v).Elem())
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !isKnown(names, k) && json.Valid(extra[k]) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return b, nil
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	buf.Grow(len(b) + 64*len(keys))
	buf.Write(b[:len(b)-1]) // drop the closing brace
	first := len(b) == 2    // "{}"
	for _, k := range keys {
		if !first {
			buf.WriteByte(',')
		}
		first = false
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(extra[k])
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// jsonNames lists the JSON member names of the fields of struct type t,
// following embedded structs.
func jsonNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			names = append(names, jsonNames(f.Type)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

func isKnown(names []string, k string) bool {
	for _, n := range names {
		if strings.EqualFold(n, k) {
			return true
		}
	}
	return false
}
