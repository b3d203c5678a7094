{{/*
Names, labels and the RBAC rules shared by the templates. Object names are "<fullname>-<part>";
fullname is cut to 40 characters so that every derived name stays a valid 63-character label.
*/}}

{{- define "doris-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains "doris-operator" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-doris-operator" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "doris-operator.managerName" -}}{{ include "doris-operator.fullname" . }}-controller-manager{{- end -}}
{{- define "doris-operator.webhookName" -}}{{ include "doris-operator.fullname" . }}-webhook{{- end -}}
{{- define "doris-operator.leaseName" -}}{{ include "doris-operator.fullname" . }}-leader{{- end -}}
{{- define "doris-operator.certSecretName" -}}{{ include "doris-operator.fullname" . }}-webhook-certs{{- end -}}
{{- define "doris-operator.validatingName" -}}{{ include "doris-operator.fullname" . }}-validating{{- end -}}
{{- define "doris-operator.mutatingName" -}}{{ include "doris-operator.fullname" . }}-mutating{{- end -}}

{{- define "doris-operator.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* Labels every object carries; Helm's own two are left out of the Kustomize manifests. */}}
{{- define "doris-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/name: doris-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: doris-operator
{{- end -}}

{{- define "doris-operator.managerSelector" -}}
app.kubernetes.io/name: doris-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller-manager
{{- end -}}

{{- define "doris-operator.webhookSelector" -}}
app.kubernetes.io/name: doris-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: admission-webhook
{{- end -}}

{{- define "doris-operator.namespaced" -}}
{{- if gt (len .Values.watchNamespaces) 0 -}}true{{- end -}}
{{- end -}}

{{/*
The manager's rules on namespaced resources, from the API calls in src/cluster and src/runtime.
Cluster-wide mode puts them in a ClusterRole; namespaced mode in a Role in each watched namespace.
*/}}
{{- define "doris-operator.managerRules" -}}
# The informer of the primary kind (list + watch); reads come from that cache, never a GET.
- apiGroups: [doris.cloudnative.dev]
  resources: [dorisclusters]
  verbs: [list, watch]
# Status is written with PUT on the status subresource.
- apiGroups: [doris.cloudnative.dev]
  resources: [dorisclusters/status]
  verbs: [update]
# DorisInitializers: cached; the status is written on a fresh read (the script runner and the
# pass each change their own fields), so GET as well.
- apiGroups: [doris.cloudnative.dev]
  resources: [dorisinitializers]
  verbs: [get, list, watch]
- apiGroups: [doris.cloudnative.dev]
  resources: [dorisinitializers/status]
  verbs: [update]
# DorisClusterAutoscalers: cached, status written with PUT; their decision goes to spec.cn.replicas
# of the cluster by server-side apply (patch) under the field manager doris-autoscaler.
- apiGroups: [doris.cloudnative.dev]
  resources: [dorisclusterautoscalers]
  verbs: [list, watch]
- apiGroups: [doris.cloudnative.dev]
  resources: [dorisclusterautoscalers/status]
  verbs: [update]
- apiGroups: [doris.cloudnative.dev]
  resources: [dorisclusters]
  verbs: [patch]
# Owner references with blockOwnerDeletion on the objects it creates (enforced where the
# OwnerReferencesPermissionEnforcement admission plugin is on).
- apiGroups: [doris.cloudnative.dev]
  resources: [dorisclusters/finalizers]
  verbs: [update]
# Owned objects: cached (list, watch) and written by server-side apply (patch; create when new).
# StatefulSets are also deleted (pods orphaned) and re-created when a new BE data directory needs
# a claim template (templates are immutable).
- apiGroups: [apps]
  resources: [statefulsets]
  verbs: [list, watch, create, patch, delete]
# Deleted with a component taken out of the spec (cn, broker), once its members left Doris.
- apiGroups: [""]
  resources: [services, configmaps]
  verbs: [list, watch, create, patch, delete]
# ConfigMaps an init script names: watched as metadata, their data read (GET) when they change.
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [list, watch, create, patch, delete]
# Member pods: cached, deleted one at a time by rolling restarts and upgrades, force-deleted when
# their node is deleted or out of service, and FE pods labelled with their Doris role.
- apiGroups: [""]
  resources: [pods]
  verbs: [list, watch, patch, delete]
# Claims: cached, patched to grow them (storage expansion), and the metadata claim of a failed
# FE deleted by failover so the FE is rebuilt empty.
- apiGroups: [""]
  resources: [persistentvolumeclaims]
  verbs: [list, watch, patch, delete]
# Secrets are watched as metadata only (one watch, no data cached), so the auth Secret a cluster
# names is acted on as soon as it is created or rotated; its data is read (get) only when its
# resourceVersion changed. The <cluster>-operator-credentials Secret is written by server-side apply.
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch, create, patch]
# events.k8s.io Events: created, and patched when they repeat (series).
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch]
# DorisMonitors: cached, status written with PUT, their finalizer added and removed (JSON patch).
- apiGroups: [doris.cloudnative.dev]
  resources: [dorismonitors]
  verbs: [list, watch, patch]
- apiGroups: [doris.cloudnative.dev]
  resources: [dorismonitors/status]
  verbs: [update]
- apiGroups: [doris.cloudnative.dev]
  resources: [dorismonitors/finalizers]
  verbs: [update]
# A managed monitor's Grafana and log collector, and the ServiceAccounts of its Prometheus and collector.
- apiGroups: [apps]
  resources: [deployments]
  verbs: [list, watch, create, patch, delete]
- apiGroups: [""]
  resources: [serviceaccounts]
  verbs: [list, watch, create, patch, delete]
# Its Prometheus and collector get the installation's monitoring ClusterRoles through a RoleBinding
# in each namespace the monitor watches: binding those two (by name) is all it may bind.
- apiGroups: [rbac.authorization.k8s.io]
  resources: [rolebindings]
  verbs: [list, watch, create, patch, delete]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [clusterroles]
  verbs: [bind]
  resourceNames: [{{ include "doris-operator.fullname" . }}-monitor-prometheus, {{ include "doris-operator.fullname" . }}-monitor-log-collector]
# PrometheusOperator mode: a PodMonitor and a PrometheusRule, read first (their CRDs may be absent).
- apiGroups: [monitoring.coreos.com]
  resources: [podmonitors, prometheusrules]
  verbs: [get, create, patch, delete]
{{- end -}}

{{/* The manager reads StorageClasses (can a claim grow?) from a cluster-wide informer. */}}
{{- define "doris-operator.managerClusterRules" -}}
# StorageClasses (cluster-scoped): a cluster-wide informer, read when claims should grow.
- apiGroups: [storage.k8s.io]
  resources: [storageclasses]
  verbs: [list, watch]
# Nodes (cluster-scoped): a pod on a node deleted or tainted out-of-service is force-deleted.
- apiGroups: [""]
  resources: [nodes]
  verbs: [list, watch]
{{- end -}}

{{/* The webhook's namespace selector: the user's, plus the watched namespaces by name. */}}
{{- define "doris-operator.namespaceSelector" -}}
{{- $sel := deepCopy .Values.webhook.namespaceSelector -}}
{{- if include "doris-operator.namespaced" . -}}
{{- $expr := dict "key" "kubernetes.io/metadata.name" "operator" "In" "values" .Values.watchNamespaces -}}
{{- $_ := set $sel "matchExpressions" (append (default (list) $sel.matchExpressions) $expr) -}}
{{- end -}}
{{- toYaml $sel -}}
{{- end -}}
