{{- define "rb.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{- define "rb.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "rb.labels" -}}
app.kubernetes.io/part-of: retail-backbone
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
retail-backbone/region: {{ required "region is required (set it in values-<region>.yaml)" .Values.region | quote }}
{{- end -}}

{{/* Connection settings every process reads; the service name selects its database URL key. */}}
{{- define "rb.commonEnv" -}}
- name: REGION
  value: {{ .root.Values.region | quote }}
- name: SERVICE_NAME
  value: {{ .name | quote }}
- name: KAFKA_BROKERS
  value: {{ required "kafka.brokers is required" .root.Values.kafka.brokers | quote }}
- name: SCHEMA_REGISTRY_URL
  value: {{ required "schemaRegistry.url is required" .root.Values.schemaRegistry.url | quote }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.database.existingSecret }}
      key: {{ .name }}
- name: LOG_LEVEL
  value: {{ .root.Values.logLevel | quote }}
{{- with .root.Values.otel.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- end -}}
