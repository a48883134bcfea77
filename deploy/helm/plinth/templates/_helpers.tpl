{{/* The chart's name, or nameOverride. */}}
{{- define "plinth.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The objects' name: fullnameOverride, else "<release>-<name>" (or the release alone when it already holds the name). */}}
{{- define "plinth.fullname" -}}
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

{{/* "<chart>-<version>", for the helm.sh/chart label. */}}
{{- define "plinth.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The labels every object carries. */}}
{{- define "plinth.labels" -}}
helm.sh/chart: {{ include "plinth.chart" . }}
{{ include "plinth.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: plinth
{{- end }}

{{/* The labels that select Plinth's pod. */}}
{{- define "plinth.selectorLabels" -}}
app.kubernetes.io/name: {{ include "plinth.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The service account Plinth runs as. */}}
{{- define "plinth.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "plinth.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image, "<repository>:<tag>", the tag defaulting to the chart's appVersion. */}}
{{- define "plinth.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}

{{/* The namespace the Kubernetes executor runs jobs in. */}}
{{- define "plinth.executorNamespace" -}}
{{- default .Release.Namespace .Values.kubernetesExecutor.namespace }}
{{- end }}

{{/* Plinth's URL inside the cluster, through its Service. */}}
{{- define "plinth.inClusterUrl" -}}
{{- printf "http://%s.%s.svc:%v" (include "plinth.fullname" .) .Release.Namespace .Values.service.port }}
{{- end }}

{{/* "true" when dataDir must be kept: unless PostgreSQL and S3 hold everything. */}}
{{- define "plinth.keepsData" -}}
{{- if not (and .Values.postgresql.enabled .Values.s3.enabled) }}true{{ end }}
{{- end }}

{{/* "true" when dataDir is on a PersistentVolumeClaim. */}}
{{- define "plinth.usesClaim" -}}
{{- if and (include "plinth.keepsData" .) .Values.persistence.enabled }}true{{ end }}
{{- end }}

{{/* The claim dataDir is on. */}}
{{- define "plinth.claimName" -}}
{{- default (printf "%s-data" (include "plinth.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}

{{/* The sealing key's path inside the container, when it comes from a Secret. */}}
{{- define "plinth.sealingKeyFile" -}}
/etc/plinth/sealing-key/{{ .Values.sealingKey.key }}
{{- end }}

{{/* Refuses values that would lose data or leak secrets. */}}
{{- define "plinth.validate" -}}
{{- if and .Values.postgresql.enabled (not .Values.postgresql.existingSecret) }}
{{- fail "postgresql.existingSecret is required with postgresql.enabled: the Secret that holds the PostgreSQL URL (the URL never goes into the ConfigMap)" }}
{{- end }}
{{- if and .Values.s3.enabled (not .Values.s3.bucket) }}
{{- fail "s3.bucket is required with s3.enabled" }}
{{- end }}
{{- if and .Values.postgresql.enabled .Values.s3.enabled (not .Values.sealingKey.existingSecret) }}
{{- fail "sealingKey.existingSecret is required with PostgreSQL and S3: dataDir is then not kept, and a key Plinth made there would be lost at the next restart, with every stored secret" }}
{{- end }}
{{- if and .Values.ingress.enabled (not .Values.ingress.host) }}
{{- fail "ingress.host is required with ingress.enabled" }}
{{- end }}
{{- if and .Values.ingress.enabled .Values.ingress.tls.enabled (not .Values.ingress.tls.secretName) }}
{{- fail "ingress.tls.secretName is required with ingress.tls.enabled" }}
{{- end }}
{{- end }}

{{/* The public URL: publicUrl, else the Ingress host's. */}}
{{- define "plinth.publicUrl" -}}
{{- if .Values.publicUrl }}
{{- .Values.publicUrl }}
{{- else if .Values.ingress.enabled }}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.host }}
{{- end }}
{{- end }}

{{/* Plinth's settings file (plinth.yaml), as a dict turned into YAML. Only settings Plinth's schema accepts; no secrets. */}}
{{- define "plinth.settings" -}}
{{- $s := dict "dataDir" .Values.dataDir -}}
{{- $server := dict "host" "0.0.0.0" "port" (int .Values.containerPort) -}}
{{- with (include "plinth.publicUrl" .) }}
{{- $_ := set $server "publicUrl" . -}}
{{- end }}
{{- $_ := set $s "server" $server -}}
{{- $_ := set $s "log" (dict "level" .Values.logLevel) -}}
{{- if .Values.s3.enabled }}
{{- $s3 := dict "bucket" .Values.s3.bucket "region" .Values.s3.region "forcePathStyle" .Values.s3.forcePathStyle -}}
{{- with .Values.s3.endpoint }}{{ $_ := set $s3 "endpoint" . }}{{ end }}
{{- with .Values.s3.prefix }}{{ $_ := set $s3 "prefix" . }}{{ end }}
{{- $_ := set $s "storage" (dict "s3" $s3) -}}
{{- end }}
{{- if .Values.sealingKey.existingSecret }}
{{- $_ := set $s "secrets" (dict "keyFile" (include "plinth.sealingKeyFile" .)) -}}
{{- end }}
{{- if .Values.kubernetesExecutor.enabled }}
{{- $k := .Values.kubernetesExecutor -}}
{{- $e := dict "kind" "kubernetes" "namespace" (include "plinth.executorNamespace" .) "plinthUrl" (default (include "plinth.inClusterUrl" .) $k.plinthUrl) "defaultImage" $k.defaultImage "initImage" $k.initImage -}}
{{- with $k.gpuModelLabel }}{{ $_ := set $e "gpuModelLabel" . }}{{ end }}
{{- with $k.nodePoolLabel }}{{ $_ := set $e "nodePoolLabel" . }}{{ end }}
{{- with $k.nodeSelector }}{{ $_ := set $e "nodeSelector" . }}{{ end }}
{{- with $k.tolerations }}{{ $_ := set $e "tolerations" . }}{{ end }}
{{- with $k.annotations }}{{ $_ := set $e "annotations" . }}{{ end }}
{{- with $k.queue }}{{ $_ := set $e "queue" . }}{{ end }}
{{- with $k.serviceAccountName }}{{ $_ := set $e "serviceAccountName" . }}{{ end }}
{{- with $k.priorityClassName }}{{ $_ := set $e "priorityClassName" . }}{{ end }}
{{- $_ := set $s "executors" (dict $k.name $e) -}}
{{- if not $k.localJobs }}
{{- $_ := set $s "executor" (dict "kind" "none") -}}
{{- end }}
{{- end }}
{{- toYaml (mergeOverwrite $s (deepCopy .Values.settings)) }}
{{- end }}
