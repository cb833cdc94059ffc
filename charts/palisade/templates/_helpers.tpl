{{/*
Helpers. The chart uses only the template subset listed in charts/palisade/README.md
(the chart tests reject anything else).
*/}}

{{- define "palisade.name" -}}
{{ .Values.nameOverride | default .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Resource name prefix: <release>-palisade, or the release name if it has the chart name. */}}
{{- define "palisade.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{ .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else if eq .Release.Name (include "palisade.name" .) -}}
{{ .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else -}}
{{ printf "%s-%s" .Release.Name (include "palisade.name" .) | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "palisade.labels" -}}
app.kubernetes.io/name: {{ include "palisade.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: palisade
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{- define "palisade.selectorLabels" -}}
app.kubernetes.io/name: {{ include "palisade.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "palisade.imagePrefix" -}}
{{- if .Values.image.registry }}{{ printf "%s/" .Values.image.registry }}{{ end }}
{{- end }}

{{- define "palisade.imageTag" -}}
{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "palisade.controllerImage" -}}
{{ printf "%s%s:%s" (include "palisade.imagePrefix" .) .Values.controller.image.repository (include "palisade.imageTag" .) }}
{{- end }}

{{- define "palisade.agentImage" -}}
{{ printf "%s%s:%s" (include "palisade.imagePrefix" .) .Values.agent.image.repository (include "palisade.imageTag" .) }}
{{- end }}

{{- define "palisade.controllerServiceAccount" -}}
{{ .Values.controller.serviceAccount.name | default (printf "%s-controller" (include "palisade.fullname" .)) }}
{{- end }}

{{/* etcd client URLs, comma-separated: the bundled etcd's Service or etcd.endpoints. */}}
{{- define "palisade.etcdEndpoints" -}}
{{- if .Values.etcd.bundled.enabled -}}
{{ printf "http://%s-etcd.%s.svc.%s:2379" (include "palisade.fullname" .) .Release.Namespace .Values.clusterDomain }}
{{- else -}}
{{ required "etcd.endpoints is required when etcd.bundled.enabled is false" (join "," .Values.etcd.endpoints) }}
{{- end }}
{{- end }}

{{/*
etcd settings as PALISADE_ETCD_* environment variables: the controller and agent read
them, and so does palisadectl when it is run with kubectl exec in the controller pod.
*/}}
{{- define "palisade.etcdEnv" -}}
- name: PALISADE_ETCD_ENDPOINTS
  value: {{ include "palisade.etcdEndpoints" . | quote }}
{{- if and (not .Values.etcd.bundled.enabled) .Values.etcd.tls.enabled }}
- name: PALISADE_ETCD_CA_FILE
  value: /etc/palisade/etcd-tls/ca.crt
- name: PALISADE_ETCD_CERT_FILE
  value: /etc/palisade/etcd-tls/tls.crt
- name: PALISADE_ETCD_KEY_FILE
  value: /etc/palisade/etcd-tls/tls.key
{{- end }}
{{- end }}

{{/*
The agents' etcd settings: etcd itself, or the gRPC proxy (etcd.grpcProxy), which they
reach in plain gRPC (node loopback, or the proxy Service); the proxy holds the TLS
client certificate towards etcd.
*/}}
{{- define "palisade.agentEtcdEnv" -}}
{{- if .Values.etcd.grpcProxy.enabled -}}
- name: PALISADE_ETCD_ENDPOINTS
  value: {{ include "palisade.grpcProxyEndpoint" . | quote }}
{{- else -}}
{{- include "palisade.etcdEnv" . -}}
{{- end }}
{{- end }}

{{- define "palisade.grpcProxyEndpoint" -}}
{{- if eq .Values.etcd.grpcProxy.mode "daemonset" -}}
{{ printf "http://127.0.0.1:%d" (int .Values.etcd.grpcProxy.port) }}
{{- else -}}
{{ printf "http://%s-etcd-grpc-proxy.%s.svc.%s:%d" (include "palisade.fullname" .) .Release.Namespace .Values.clusterDomain (int .Values.etcd.grpcProxy.port) }}
{{- end }}
{{- end }}

{{- define "palisade.etcdTlsEnabled" -}}
{{- if and (not .Values.etcd.bundled.enabled) .Values.etcd.tls.enabled }}true{{ end }}
{{- end }}

{{- define "palisade.etcdVolumeMounts" -}}
{{- if include "palisade.etcdTlsEnabled" . }}
- name: etcd-tls
  mountPath: /etc/palisade/etcd-tls
  readOnly: true
{{- end }}
{{- end }}

{{- define "palisade.etcdVolumes" -}}
{{- if include "palisade.etcdTlsEnabled" . }}
- name: etcd-tls
  secret:
    secretName: {{ .Values.etcd.tls.secretName }}
    defaultMode: 288 # 0440: owner and group (fsGroup) may read
{{- end }}
{{- end }}

{{- define "palisade.logArgs" -}}
- --log-level={{ .Values.log.level }}
- --log-format={{ .Values.log.format }}
{{- end }}

{{/* Restricted pod security for the controller and the hook waiter. */}}
{{- define "palisade.restrictedContainerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* The agent's: root with NET_ADMIN and NET_RAW (see values.yaml, agent). */}}
{{- define "palisade.agentContainerSecurityContext" -}}
privileged: false
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsUser: 0
runAsNonRoot: false
capabilities:
  drop:
    - ALL
  add:
    - NET_ADMIN
    - NET_RAW
{{- if .Values.agent.blockedConnections.capture }}
    - SETUID
    - SETGID
{{- end }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Per-component etcd identities (docs/security.md). The bundled etcd always runs with
auth on; an external etcd when etcd.auth.enabled.
*/}}
{{- define "palisade.etcdAuthEnabled" -}}
{{- if or .Values.etcd.bundled.enabled .Values.etcd.auth.enabled }}true{{ end }}
{{- end }}

{{/* The Secret holding one component's etcd password: (dict "root" $ "component" "agent"). */}}
{{- define "palisade.etcdSecretName" -}}
{{- $given := get .root.Values.etcd.auth.secrets .component -}}
{{- $given | default (printf "%s-etcd-%s" (include "palisade.fullname" .root) .component) -}}
{{- end }}

{{/* The user name is fixed per component: palisadectl etcd-setup creates exactly these. */}}
{{- define "palisade.etcdAuthEnv" -}}
{{- if include "palisade.etcdAuthEnabled" .root }}
- name: PALISADE_ETCD_USERNAME
  value: palisade-{{ .component }}
- name: PALISADE_ETCD_PASSWORD_FILE
  value: /etc/palisade/etcd-auth/password
{{- end }}
{{- end }}

{{- define "palisade.etcdAuthVolumeMounts" -}}
{{- if include "palisade.etcdAuthEnabled" .root }}
- name: etcd-auth
  mountPath: /etc/palisade/etcd-auth
  readOnly: true
{{- end }}
{{- end }}

{{/* Only this component's Secret, and only its password key. */}}
{{- define "palisade.etcdAuthVolumes" -}}
{{- if include "palisade.etcdAuthEnabled" .root }}
- name: etcd-auth
  secret:
    secretName: {{ include "palisade.etcdSecretName" . }}
    defaultMode: 288 # 0440: owner and group (fsGroup) may read
    items:
      - key: password
        path: password
{{- end }}
{{- end }}
