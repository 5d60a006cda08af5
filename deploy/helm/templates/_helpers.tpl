{{/* Names: <release>-faq-bot[-part], short enough for a CronJob's Job names. */}}
{{- define "faq-bot.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "faq-bot.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "faq-bot.labels" -}}
{{ include "faq-bot.selector" . }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "faq-bot.image" -}}
image: {{ printf "%s:%s" .Values.image.repository .Values.image.tag | quote }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
{{- end -}}

{{/* A container's environment: the settings ConfigMap, no telemetry, and the Secret's keys given
     after the context: include "faq-bot.env" (list . "TRACKER_STORE_URL" ...). */}}
{{- define "faq-bot.env" -}}
{{- $ctx := index . 0 -}}
envFrom:
  - configMapRef:
      name: {{ include "faq-bot.fullname" $ctx }}-settings
env:
  - name: RASA_TELEMETRY_ENABLED  # never phone home (also forced by `python -m bot.cli rasa`)
    value: "false"
{{- range $key := rest . }}
  - name: {{ $key }}
    valueFrom:
      secretKeyRef:
        name: {{ $ctx.Values.secret.name }}
        key: {{ $key }}
        {{- if hasPrefix "SLACK_" $key }}
        optional: true  # Slack is off without them
        {{- end }}
{{- end }}
{{- end -}}

{{- define "faq-bot.pod" -}}
securityContext:
  runAsNonRoot: true  # the image's user `rasa` (uid 1001)
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
