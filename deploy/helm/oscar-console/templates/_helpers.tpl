{{/*
Names and labels, and the checks that stop a render whose result would not work.
*/}}

{{- define "oscar-console.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-<chart>, or the release name alone when it already contains the chart name. */}}
{{- define "oscar-console.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "oscar-console.redisName" -}}
{{- printf "%s-redis" (include "oscar-console.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object but the selector ones; pod templates add their selector labels. */}}
{{- define "oscar-console.baseLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: oscar-console
{{- end }}

{{- define "oscar-console.labels" -}}
{{ include "oscar-console.baseLabels" . }}
app.kubernetes.io/name: {{ include "oscar-console.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "oscar-console.selectorLabels" -}}
app.kubernetes.io/name: {{ include "oscar-console.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: console
{{- end }}

{{- define "oscar-console.redisSelectorLabels" -}}
app.kubernetes.io/name: {{ include "oscar-console.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: redis
{{- end }}

{{/* The Secret holding the session key and the OIDC client secrets. */}}
{{- define "oscar-console.secretName" -}}
{{- default (include "oscar-console.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* Where the Secret's keys appear as files in the console container. */}}
{{- define "oscar-console.secretsDir" -}}/etc/oscar-console/secrets{{- end }}
{{- define "oscar-console.serverTLSDir" -}}/etc/oscar-console/tls{{- end }}
{{- define "oscar-console.dataDir" -}}/data{{- end }}

{{/* "true" when sessions live in Redis (in-chart or external), "" when in files. */}}
{{- define "oscar-console.usesRedis" -}}
{{- if or .Values.redis.enabled .Values.externalRedis.url .Values.externalRedis.existingSecret }}true{{ end }}
{{- end }}

{{/* The Secret and key holding CONSOLE_SESSION_STORE when sessions live in Redis. */}}
{{- define "oscar-console.storeSecretName" -}}
{{- if .Values.externalRedis.existingSecret }}{{ .Values.externalRedis.existingSecret }}{{ else }}{{ include "oscar-console.redisName" . }}{{ end }}
{{- end }}
{{- define "oscar-console.storeSecretKey" -}}
{{- if .Values.externalRedis.existingSecret }}{{ .Values.externalRedis.existingSecretKey }}{{ else }}url{{ end }}
{{- end }}

{{/* CONSOLE_PUBLIC_URL: publicURL, or https://<ingress host>. */}}
{{- define "oscar-console.publicURL" -}}
{{- if .Values.publicURL }}
{{- .Values.publicURL | trimSuffix "/" }}
{{- else if and .Values.ingress.enabled .Values.ingress.host }}
{{- printf "https://%s" .Values.ingress.host }}
{{- end }}
{{- end }}

{{/*
validate stops the render with a message that says what to change. Called from every template that
depends on these values, so `helm template -s` of a single file fails too.
*/}}
{{- define "oscar-console.validate" -}}
{{- $replicas := int .Values.replicaCount }}
{{- if lt $replicas 1 }}
{{- fail (printf "replicaCount must be 1 or more, not %v" .Values.replicaCount) }}
{{- end }}
{{- if and (gt $replicas 1) (not (include "oscar-console.usesRedis" .)) }}
{{- fail (printf "replicaCount is %d but the session store is files, which replicas cannot share: sessions must be in Redis when replicaCount > 1. Set redis.enabled=true (a Redis in this release) or externalRedis.url / externalRedis.existingSecret (a Redis you run), or set replicaCount=1." $replicas) }}
{{- end }}
{{- if and .Values.redis.enabled (or .Values.externalRedis.url .Values.externalRedis.existingSecret) }}
{{- fail "redis.enabled=true and externalRedis are both set: choose one session store (set redis.enabled=false to use externalRedis)" }}
{{- end }}
{{- if and .Values.externalRedis.url .Values.externalRedis.existingSecret }}
{{- fail "externalRedis.url and externalRedis.existingSecret are both set: choose one" }}
{{- end }}
{{- with .Values.externalRedis.url }}
{{- if not (or (hasPrefix "redis://" .) (hasPrefix "rediss://" .)) }}
{{- fail "externalRedis.url must start with redis:// or rediss:// (redis://[user:pass@]host:port/db)" }}
{{- end }}
{{- end }}
{{- if not (include "oscar-console.publicURL" .) }}
{{- fail "the console needs its public URL: set ingress.host (with ingress.enabled=true) or publicURL" }}
{{- end }}
{{- if not (hasPrefix "https://" (include "oscar-console.publicURL" .)) }}
{{- fail (printf "publicURL %q must be https: the session cookie is Secure" (include "oscar-console.publicURL" .)) }}
{{- end }}
{{- if not .Values.secrets.existingSecret }}
{{- range (splitList "\n" .Values.secrets.sessionKey) }}
{{- if and (trim .) (lt (len (trim .)) 32) }}
{{- fail "secrets.sessionKey: each line must be 32 characters or more (openssl rand -base64 48)" }}
{{- end }}
{{- end }}
{{- range $i, $p := list .Values.oidc .Values.oidc2 .Values.oidc3 }}
{{- if and $p.clientID (not $p.clientSecret) }}
{{- fail (printf "%s.clientID is set, so %s.clientSecret is needed (EGI clients are confidential), or put it in secrets.existingSecret" (index (list "oidc" "oidc2" "oidc3") $i) (index (list "oidc" "oidc2" "oidc3") $i)) }}
{{- end }}
{{- end }}
{{- end }}
{{- range $i, $p := list .Values.oidc .Values.oidc2 .Values.oidc3 }}
{{- if and $p.clientID (not $p.issuer) }}
{{- fail (printf "%s.clientID is set but %s.issuer is empty" (index (list "oidc" "oidc2" "oidc3") $i) (index (list "oidc" "oidc2" "oidc3") $i)) }}
{{- end }}
{{- end }}
{{- end }}

{{/* Container security context shared by the console and Redis. */}}
{{- define "oscar-console.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}
