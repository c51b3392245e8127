package oscar

import "encoding/json"

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
	APIPort        []int  `json:"api_port,omitempty"` // omitempty as in OSCAR: the contract refuses null
	CPUThreshold   int    `json:"cpu_threshold"`
	RewriteTarget  bool   `json:"rewrite_target"`
	NodePort       []int  `json:"nodePort,omitempty"`
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

// clone returns a copy of d (nil for nil).
func (d *DeploymentSummary) clone() *DeploymentSummary {
	if d == nil {
		return nil
	}
	c := *d
	return &c
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
