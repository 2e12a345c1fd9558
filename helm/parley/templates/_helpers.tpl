{{/*
Names, labels, images and the wiring of Secrets shared by every template.
Templates that work on one app get the context (dict "root" $ "name" <app> "app" <values of the app>).
*/}}

{{- define "parley.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's full name: "<release>-parley", or the release name when it already says parley. */}}
{{- define "parley.fullname" -}}
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

{{/* "<fullname>-<app>": the name of an app's Deployment, Service, ConfigMap, PDB and HPA. */}}
{{- define "parley.appFullname" -}}
{{- printf "%s-%s" (include "parley.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "parley.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/part-of: parley
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{- define "parley.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "parley.appLabels" -}}
{{ include "parley.labels" .root }}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* [registry/]<repositoryPrefix><app>:<tag or appVersion> */}}
{{- define "parley.image" -}}
{{- $image := .root.Values.image -}}
{{- $repository := printf "%s%s" $image.repositoryPrefix .name -}}
{{- if $image.registry -}}
{{- $repository = printf "%s/%s" $image.registry $repository -}}
{{- end -}}
{{- printf "%s:%s" $repository (default .root.Chart.AppVersion $image.tag) -}}
{{- end -}}

{{- define "parley.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "parley.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding each group: yours (existingSecret) or the chart's (templates/secret.yaml). */}}
{{- define "parley.databaseSecretName" -}}
{{- default (include "parley.fullname" .) .Values.externalDatabase.existingSecret -}}
{{- end -}}
{{- define "parley.redisSecretName" -}}
{{- default (include "parley.fullname" .) .Values.externalRedis.existingSecret -}}
{{- end -}}
{{- define "parley.natsSecretName" -}}
{{- default (include "parley.fullname" .) .Values.externalNats.existingSecret -}}
{{- end -}}
{{- define "parley.jwtSecretName" -}}
{{- default (include "parley.fullname" .) .Values.jwt.existingSecret -}}
{{- end -}}
{{- define "parley.messageKeysSecretName" -}}
{{- default (include "parley.fullname" .) .Values.messageEncryption.existingSecret -}}
{{- end -}}
{{- define "parley.fcmSecretName" -}}
{{- default (include "parley.fullname" .) .Values.fcm.existingSecret -}}
{{- end -}}

{{/* "true" when push-notifier has FCM credentials (else it runs DRY-RUN). */}}
{{- define "parley.fcmEnabled" -}}
{{- if or .Values.fcm.existingSecret .Values.fcm.credentialsJson -}}true{{- end -}}
{{- end -}}

{{/* Where the key files are mounted in the containers. */}}
{{- define "parley.secretsDir" -}}/var/run/secrets/parley{{- end -}}

{{/*
The variables an app reads from Secrets (env entries), by what it uses.
Context: dict "root" $ "name" <app> "app" <app values>.
*/}}
{{- define "parley.secretEnv" -}}
{{- $root := .root -}}
{{- if has "database" .app.uses }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "parley.databaseSecretName" $root }}
      key: {{ $root.Values.externalDatabase.existingSecretKey }}
{{- end }}
{{- if has "redis" .app.uses }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "parley.redisSecretName" $root }}
      key: {{ $root.Values.externalRedis.existingSecretKey }}
{{- end }}
{{- if has "nats" .app.uses }}
- name: NATS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "parley.natsSecretName" $root }}
      key: {{ $root.Values.externalNats.existingSecretKey }}
{{- end }}
{{- end -}}

{{/* ConfigMap data of an app: its port, log level, key file paths and its env values. */}}
{{- define "parley.configData" -}}
{{- $root := .root -}}
{{- $dir := include "parley.secretsDir" $root -}}
{{ .app.portEnv }}: {{ .app.port | quote }}
HTTP_HOST: "0.0.0.0"
LOG_LEVEL: {{ $root.Values.logLevel | quote }}
{{- if has "jwtPrivateKey" .app.uses }}
JWT_PRIVATE_KEY_FILE: {{ printf "%s/jwt/jwt-private.pem" $dir | quote }}
{{- end }}
{{- if has "jwtPublicKey" .app.uses }}
JWT_PUBLIC_KEY_FILE: {{ printf "%s/jwt/jwt-public.pem" $dir | quote }}
{{- end }}
{{- if or (has "jwtPrivateKey" .app.uses) (has "jwtPublicKey" .app.uses) }}
JWT_ISSUER: {{ $root.Values.jwt.issuer | quote }}
JWT_AUDIENCE: {{ $root.Values.jwt.audience | quote }}
{{- end }}
{{- if has "messageKeys" .app.uses }}
MESSAGE_ENCRYPTION_KEYS_FILE: {{ printf "%s/message-keys/message-keys" $dir | quote }}
{{- end }}
{{- if and (has "fcm" .app.uses) (include "parley.fcmEnabled" $root) }}
GOOGLE_APPLICATION_CREDENTIALS: {{ printf "%s/fcm/service-account.json" $dir | quote }}
{{- end }}
{{- range $key, $value := .app.env }}
{{ $key }}: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* Secret volumes of an app (files, mode 0440 for the pod's fsGroup). */}}
{{- define "parley.secretVolumes" -}}
{{- $root := .root -}}
{{- if or (has "jwtPrivateKey" .app.uses) (has "jwtPublicKey" .app.uses) }}
- name: jwt
  secret:
    secretName: {{ include "parley.jwtSecretName" $root }}
    defaultMode: 288
    items:
      {{- if has "jwtPrivateKey" .app.uses }}
      - key: jwt-private.pem
        path: jwt-private.pem
      {{- end }}
      {{- if has "jwtPublicKey" .app.uses }}
      - key: jwt-public.pem
        path: jwt-public.pem
      {{- end }}
{{- end }}
{{- if has "messageKeys" .app.uses }}
- name: message-keys
  secret:
    secretName: {{ include "parley.messageKeysSecretName" $root }}
    defaultMode: 288
    items:
      - key: message-keys
        path: message-keys
{{- end }}
{{- if and (has "fcm" .app.uses) (include "parley.fcmEnabled" $root) }}
- name: fcm
  secret:
    secretName: {{ include "parley.fcmSecretName" $root }}
    defaultMode: 288
    items:
      - key: service-account.json
        path: service-account.json
{{- end }}
{{- end -}}

{{- define "parley.secretVolumeMounts" -}}
{{- $root := .root -}}
{{- $dir := include "parley.secretsDir" $root -}}
{{- if or (has "jwtPrivateKey" .app.uses) (has "jwtPublicKey" .app.uses) }}
- name: jwt
  mountPath: {{ printf "%s/jwt" $dir }}
  readOnly: true
{{- end }}
{{- if has "messageKeys" .app.uses }}
- name: message-keys
  mountPath: {{ printf "%s/message-keys" $dir }}
  readOnly: true
{{- end }}
{{- if and (has "fcm" .app.uses) (include "parley.fcmEnabled" $root) }}
- name: fcm
  mountPath: {{ printf "%s/fcm" $dir }}
  readOnly: true
{{- end }}
{{- end -}}
