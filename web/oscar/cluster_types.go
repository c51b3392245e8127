package oscar

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

// QuantityQuota is a maximum and the amount used, as strings.
type QuantityQuota struct {
	Max  string `json:"max,omitempty"`
	Used string `json:"used,omitempty"`
}

// VolumeQuota holds the volume quotas, as Kubernetes quantities.
type VolumeQuota struct {
	Disk             *QuantityQuota `json:"disk,omitempty"`
	Volumes          *QuantityQuota `json:"volumes,omitempty"`
	MaxDiskPerVolume string         `json:"max_disk_per_volume,omitempty"`
	MinDiskPerVolume string         `json:"min_disk_per_volume,omitempty"`
}

// MinIOQuota holds the MinIO quotas.
type MinIOQuota struct {
	Buckets          *QuotaValues   `json:"buckets,omitempty"`
	StoragePerBucket *QuantityQuota `json:"storage_per_bucket,omitempty"`
	StorageTotal     *QuantityQuota `json:"storage_total,omitempty"`
}
