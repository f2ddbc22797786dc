{{/* Name of the chart, overridable. */}}
{{- define "interviewapi-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's objects; the release name alone when it already says the chart. */}}
{{- define "interviewapi-operator.fullname" -}}
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

{{/* Name of a derived object: full name plus a suffix, within the 63-character limit. */}}
{{- define "interviewapi-operator.suffixed" -}}
{{- $full := include "interviewapi-operator.fullname" .root }}
{{- printf "%s-%s" ($full | trunc (int (sub 62 (len .suffix)))) .suffix | trimSuffix "-" }}
{{- end }}

{{- define "interviewapi-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "interviewapi-operator.labels" -}}
helm.sh/chart: {{ include "interviewapi-operator.chart" . }}
{{ include "interviewapi-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: interviewapi
{{- end }}

{{/* Labels selecting the operator pods. */}}
{{- define "interviewapi-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "interviewapi-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "interviewapi-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "interviewapi-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Image reference: digest wins over tag; the tag defaults to the appVersion. */}}
{{- define "interviewapi-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Name of the metrics Service. */}}
{{- define "interviewapi-operator.metricsServiceName" -}}
{{- include "interviewapi-operator.suffixed" (dict "root" . "suffix" "metrics") }}
{{- end }}

{{/*
Restricted Pod Security settings shared by the operator and the test pod: non-root
(the images run as 65532), no privilege escalation, no capabilities, RuntimeDefault
seccomp, read-only root file system.
*/}}
{{- define "interviewapi-operator.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "interviewapi-operator.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop:
    - ALL
{{- end }}

{{/* Labels of the helm test pod: distinct from the operator's, so no Service selects it. */}}
{{- define "interviewapi-operator.testSelectorLabels" -}}
app.kubernetes.io/name: {{ include "interviewapi-operator.name" . }}-test
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: test
{{- end }}
