{{/* Name of the InterviewAPI: the release name unless overridden. */}}
{{- define "interviewapi.name" -}}
{{- coalesce .Values.fullnameOverride .Values.nameOverride .Release.Name | trunc 50 | trimSuffix "-" }}
{{- end }}

{{- define "interviewapi.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: interviewapi
{{- end }}
