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

{{- define "rb.selector" -}}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/name: {{ .name }}
{{- end -}}

{{/* The enabled services, each merged over serviceDefaults, as a YAML map name -> settings. */}}
{{- define "rb.services" -}}
{{- $out := dict -}}
{{- range $name, $svc := .Values.services -}}
{{- if $svc.enabled -}}
{{- $_ := set $out $name (mergeOverwrite (deepCopy $.Values.serviceDefaults) $svc) -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* Kafka, registry and PostgreSQL connection security (read by libs/connections). */}}
{{- define "rb.connectionEnv" -}}
{{- $v := .Values -}}
{{- if $v.kafka.tls.enabled }}
- name: KAFKA_TLS
  value: "true"
{{- if $v.kafka.tls.caSecret }}
- name: KAFKA_TLS_CA_FILE
  value: /etc/retail-backbone/kafka-ca/ca.crt
{{- end }}
{{- end }}
{{- if $v.kafka.sasl.mechanism }}
- name: KAFKA_SASL_MECHANISM
  value: {{ $v.kafka.sasl.mechanism | quote }}
- name: KAFKA_SASL_USERNAME
  valueFrom: { secretKeyRef: { name: {{ required "kafka.sasl.existingSecret is required with kafka.sasl.mechanism" $v.kafka.sasl.existingSecret }}, key: username } }
- name: KAFKA_SASL_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ $v.kafka.sasl.existingSecret }}, key: password } }
{{- end }}
{{- with $v.schemaRegistry.auth.existingSecret }}
- name: SCHEMA_REGISTRY_USERNAME
  valueFrom: { secretKeyRef: { name: {{ . }}, key: username } }
- name: SCHEMA_REGISTRY_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ . }}, key: password } }
{{- end }}
{{- end -}}

{{- define "rb.databaseEnv" -}}
{{- $v := .Values -}}
- name: DATABASE_SSL_MODE
  value: {{ $v.database.sslMode | quote }}
{{- if and (eq $v.database.sslMode "verify-full") $v.database.caSecret }}
- name: DATABASE_SSL_CA_FILE
  value: /etc/retail-backbone/database-ca/ca.crt
{{- end }}
{{- end -}}

{{/* Volumes holding the private CAs, when configured. */}}
{{- define "rb.caVolumes" -}}
{{- $v := .Values -}}
{{- if and $v.kafka.tls.enabled $v.kafka.tls.caSecret }}
- name: kafka-ca
  secret: { secretName: {{ $v.kafka.tls.caSecret }}, items: [{ key: ca.crt, path: ca.crt }] }
{{- end }}
{{- if and .withDatabase (eq $v.database.sslMode "verify-full") $v.database.caSecret }}
- name: database-ca
  secret: { secretName: {{ $v.database.caSecret }}, items: [{ key: ca.crt, path: ca.crt }] }
{{- end }}
{{- end -}}

{{- define "rb.caMounts" -}}
{{- $v := .Values -}}
{{- if and $v.kafka.tls.enabled $v.kafka.tls.caSecret }}
- { name: kafka-ca, mountPath: /etc/retail-backbone/kafka-ca, readOnly: true }
{{- end }}
{{- if and .withDatabase (eq $v.database.sslMode "verify-full") $v.database.caSecret }}
- { name: database-ca, mountPath: /etc/retail-backbone/database-ca, readOnly: true }
{{- end }}
{{- end -}}

{{- define "rb.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities: { drop: [ALL] }
{{- end -}}

{{- define "rb.podSecurity" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
seccompProfile: { type: RuntimeDefault }
{{- end -}}
