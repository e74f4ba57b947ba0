{{/* The chart's name: the app.kubernetes.io/name label. */}}
{{- define "pointsman.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The name of every object: the release name, followed by the chart's unless it already holds it
(release "pointsman" -> "pointsman", release "edge" -> "edge-pointsman"). 63 characters at
most: a DNS label.
*/}}
{{- define "pointsman.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The labels that pick this release's Pods. */}}
{{- define "pointsman.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pointsman.name" . | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end -}}

{{/* The labels of every object. */}}
{{- define "pointsman.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" | quote }}
{{ include "pointsman.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
{{- end -}}

{{- define "pointsman.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "pointsman.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Lease's name, as ingress-nginx's chart makes it: the full name with "-leader". */}}
{{- define "pointsman.electionID" -}}
{{- default (printf "%s-leader" (include "pointsman.fullname" .)) .Values.controller.electionID -}}
{{- end -}}

{{/* The --publish-service value: NAMESPACE/NAME, the release's own Service unless overridden. */}}
{{- define "pointsman.publishServicePath" -}}
{{- default (printf "$(POD_NAMESPACE)/%s" (include "pointsman.fullname" .)) .Values.controller.publishService.pathOverride -}}
{{- end -}}

{{/*
The defaults of `pointsman serve` (src/cli/status-flags.ts, src/translate/options.ts): a flag
whose value equals serve's default is left out, so the default Deployment's arguments are
deploy/'s. test/chart/ renders both and fails if they drift apart.
*/}}
{{- define "pointsman.serveDefaults" -}}
electionID: pointsman-leader
controllerName: pointsman.dev/ingress-controller
ingressClass: pointsman
{{- end -}}

{{/*
The container's arguments, each a quoted string: values never reach the YAML unquoted.
extraArgs as ingress-nginx's chart renders them (--key=value, --key alone for an empty value),
and also: true is a switch (--key), false leaves the flag out, a list repeats it.
*/}}
{{- define "pointsman.args" -}}
{{- $defaults := include "pointsman.serveDefaults" . | fromYaml -}}
{{- $controller := .Values.controller -}}
- serve
- --in-cluster
{{- if $controller.publishService.enabled }}
- {{ printf "--publish-service=%s" (include "pointsman.publishServicePath" .) | quote }}
{{- end }}
- {{ printf "--http-port=%d" (int $controller.containerPort.http) | quote }}
- {{ printf "--https-port=%d" (int $controller.containerPort.https) | quote }}
- {{ printf "--admin-port=%d" (int $controller.metrics.port) | quote }}
- --shutdown-grace=30s
{{- $electionID := include "pointsman.electionID" . }}
{{- if ne $electionID $defaults.electionID }}
- {{ printf "--election-id=%s" $electionID | quote }}
{{- end }}
{{- if ne $controller.ingressClassResource.controllerValue $defaults.controllerName }}
- {{ printf "--controller-name=%s" $controller.ingressClassResource.controllerValue | quote }}
{{- end }}
{{- if ne $controller.ingressClass $defaults.ingressClass }}
- {{ printf "--ingress-class=%s" $controller.ingressClass | quote }}
{{- end }}
{{- if $controller.watchIngressWithoutClass }}
- --watch-ingress-without-class
{{- end }}
{{- if ne (toString $controller.workers) "auto" }}
- {{ printf "--workers=%s" (toString $controller.workers) | quote }}
{{- end }}
{{- if $controller.scope.enabled }}
- {{ printf "--watch-namespace=%s" (default "$(POD_NAMESPACE)" $controller.scope.namespace) | quote }}
{{- end }}
{{- range $key, $value := $controller.extraArgs }}
{{- if kindIs "slice" $value }}
{{- range $value }}
- {{ printf "--%s=%s" $key (include "pointsman.argText" .) | quote }}
{{- end }}
{{- else if kindIs "bool" $value }}
{{- if $value }}
- {{ printf "--%s" $key | quote }}
{{- end }}
{{- else if or (kindIs "invalid" $value) (eq (toString $value) "") }}
- {{ printf "--%s" $key | quote }}
{{- else }}
- {{ printf "--%s=%s" $key (include "pointsman.argText" $value) | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* A flag's value as text: numbers through JSON, so 1000000 is not written 1e+06. */}}
{{- define "pointsman.argText" -}}
{{- if kindIs "string" . -}}
{{- . -}}
{{- else -}}
{{- toJson . -}}
{{- end -}}
{{- end -}}

{{/* The Service name --publish-service names (its last segment), for the Role's get. */}}
{{- define "pointsman.publishServiceName" -}}
{{- include "pointsman.publishServicePath" . | splitList "/" | last -}}
{{- end -}}
