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

{{/* The bundled NATS: StatefulSet "<fullname>-nats", its headless Service "<fullname>-nats-headless". */}}
{{- define "parley.natsFullname" -}}
{{- printf "%s-nats" (include "parley.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "parley.natsHeadless" -}}
{{- printf "%s-headless" (include "parley.natsFullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "parley.natsSelectorLabels" -}}
app.kubernetes.io/name: nats
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "parley.natsLabels" -}}
{{ include "parley.labels" . }}
app.kubernetes.io/name: nats
app.kubernetes.io/component: nats
{{- end -}}

{{/* The Secret of the apps' NATS passwords (one key per app): yours or the chart's. */}}
{{- define "parley.natsAuthSecretName" -}}
{{- default (printf "%s-nats-auth" (include "parley.fullname" .)) .Values.nats.auth.existingSecret -}}
{{- end -}}

{{/* The nats-server variable holding an app's password: PARLEY_NATS_PASSWORD_CHAT_GATEWAY. */}}
{{- define "parley.natsPasswordVar" -}}
{{- printf "PARLEY_NATS_PASSWORD_%s" (. | upper | replace "-" "_") -}}
{{- end -}}

{{/* Every server of the bundled cluster, by its stable name: the apps' NATS_URL. */}}
{{- define "parley.natsUrls" -}}
{{- $name := include "parley.natsFullname" . -}}
{{- $headless := include "parley.natsHeadless" . -}}
{{- $urls := list -}}
{{- range $i := until (int .Values.nats.replicas) -}}
{{- $urls = append $urls (printf "nats://%s-%d.%s.%s.svc:4222" $name $i $headless $.Release.Namespace) -}}
{{- end -}}
{{- join "," $urls -}}
{{- end -}}

{{/* NATS_STREAM_REPLICAS: 3 on a cluster of 3 or more servers (JetStream's maximum is 5; 3 is enough), else 1. */}}
{{- define "parley.natsStreamReplicas" -}}
{{- if .Values.nats.enabled -}}
{{- ternary 3 1 (ge (int .Values.nats.replicas) 3) -}}
{{- else -}}
{{- .Values.externalNats.streamReplicas -}}
{{- end -}}
{{- end -}}

{{/* Values the chart refuses: it fails the render with what to set. */}}
{{/* "true" when this app is the gateway and its gRPC edge is on. */}}
{{- define "parley.grpcOn" -}}
{{- if and (eq .name "chat-gateway") .root.Values.gateway.grpc.enabled -}}true{{- end -}}
{{- end -}}

{{- define "parley.validate" -}}
{{- $grpc := .Values.gateway.grpc -}}
{{- if and $grpc.enabled $grpc.ingress.enabled $grpc.ingress.requireTls (not (or $grpc.ingress.tls .Values.ingress.tls)) -}}
{{- fail "gateway.grpc.ingress needs TLS (gateway.grpc.ingress.tls or ingress.tls): most ingress controllers serve HTTP/2, which gRPC needs, only over TLS; set gateway.grpc.ingress.requireTls: false for one that takes cleartext HTTP/2" -}}
{{- end -}}
{{- $origins := .Values.cors.allowedOrigins -}}
{{- if not $origins -}}
{{- fail "cors.allowedOrigins is required: the origins of your web clients, e.g. [https://chat.example.com]" -}}
{{- end -}}
{{- if has "*" $origins -}}
{{- fail "cors.allowedOrigins must not contain '*': list the origins of your web clients" -}}
{{- end -}}
{{- range $origins -}}
{{- if not (regexMatch `^https?://[^/,*\s]+$` .) -}}
{{- fail (printf "cors.allowedOrigins: %q is not an origin (scheme://host[:port], no path)" .) -}}
{{- end -}}
{{- end -}}
{{- if lt (int .Values.security.passwordScryptLogN) 17 -}}
{{- fail "security.passwordScryptLogN must be 17 or more (scrypt cost 2^N of password hashes)" -}}
{{- end -}}
{{- range .Values.externalRedis.clusterNodes -}}
{{- if not (regexMatch `^[A-Za-z0-9.\-_\[\]:]+:[0-9]{1,5}$` .) -}}
{{- fail (printf "externalRedis.clusterNodes: %q is not host:port" .) -}}
{{- end -}}
{{- end -}}
{{- $push := index .Values.apps "push-notifier" -}}
{{- if and .Values.externalRedis.clusterNodes $push.queuePrefix (not (regexMatch `^\{[^{}]+\}` $push.queuePrefix)) -}}
{{- fail (printf "apps.push-notifier.queuePrefix must start with a hash tag on a Redis Cluster, e.g. \"{%s}\"" ($push.queuePrefix | replace "{" "" | replace "}" "")) -}}
{{- end -}}
{{- if and .Values.nats.enabled (lt (int .Values.nats.replicas) 1) -}}
{{- fail "nats.replicas must be 1 or more" -}}
{{- end -}}
{{- end -}}

{{/* An app's affinity: its own, the chart-wide one, or "prefer a node without a pod of this app". */}}
{{- define "parley.affinity" -}}
{{- $affinity := default .root.Values.affinity .app.affinity -}}
{{- if $affinity -}}
{{- toYaml $affinity -}}
{{- else -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- .selector | nindent 12 }}
{{- end -}}
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
{{- if and (has "nats" .app.uses) (not $root.Values.nats.enabled) }}
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
{{- if eq .name "chat-gateway" }}
GATEWAY_GRPC_PORT: {{ $root.Values.gateway.grpc.port | quote }}
{{- end }}
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
{{- if has "nats" .app.uses }}
{{- if $root.Values.nats.enabled }}
NATS_URL: {{ include "parley.natsUrls" $root | quote }}
{{- end }}
NATS_USER: {{ .name | quote }}
NATS_PASSWORD_FILE: {{ printf "%s/nats/password" $dir | quote }}
{{- /* Apps allowed to create the JetStream stream of revoked sessions say how many copies it has. */}}
{{- $perms := get ($root.Files.Get "files/nats-permissions.json" | fromJson).users .name | default dict }}
{{- $publish := (get (get $perms "publish" | default dict) "allow") | default list }}
{{- range $publish }}
{{- if hasPrefix "$JS.API.STREAM.CREATE." . }}
NATS_STREAM_REPLICAS: {{ include "parley.natsStreamReplicas" $root | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- if and (has "redis" .app.uses) $root.Values.externalRedis.clusterNodes }}
REDIS_CLUSTER_NODES: {{ join "," $root.Values.externalRedis.clusterNodes | quote }}
{{- end }}
{{- /* The Redis tuning of each app; the same variable in its env wins (one key each). */}}
{{- $tuning := dict }}
{{- if eq .name "presence" }}
{{- $_ := set $tuning "PRESENCE_SHARDS" (.app.shards | int64 | toString) }}
{{- end }}
{{- if eq .name "push-notifier" }}
{{- $prefix := default (ternary "{parley-push}" "" (not (empty $root.Values.externalRedis.clusterNodes))) .app.queuePrefix }}
{{- if $prefix }}
{{- $_ := set $tuning "PUSH_QUEUE_PREFIX" $prefix }}
{{- end }}
{{- end }}
{{- if eq .name "chat-gateway" }}
{{- $_ := set $tuning "LOCATION_CACHE_MAX_ENTRIES" (.app.locationCache.maxEntries | int64 | toString) }}
{{- $_ := set $tuning "LOCATION_CACHE_TTL_MS" (.app.locationCache.ttlMs | int64 | toString) }}
{{- end }}
{{- range $key, $value := $tuning }}
{{- if not (hasKey $.app.env $key) }}
{{ $key }}: {{ $value | quote }}
{{- end }}
{{- end }}
{{- if eq .name "auth" }}
PASSWORD_SCRYPT_LOG_N: {{ $root.Values.security.passwordScryptLogN | quote }}
{{- end }}
{{- if has "publicHttp" .app.uses }}
CORS_ORIGINS: {{ join "," $root.Values.cors.allowedOrigins | quote }}
API_DOCS_ENABLED: {{ ternary "true" "false" (eq (toString $root.Values.apiDocs.enabled) "true") | quote }}
JWT_MAX_AGE_SECONDS: {{ $root.Values.security.jwtMaxAgeSeconds | quote }}
TRUSTED_PROXIES: {{ $root.Values.security.trustedProxies | quote }}
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
{{- if has "nats" .app.uses }}
- name: nats-auth
  secret:
    secretName: {{ include "parley.natsAuthSecretName" $root }}
    defaultMode: 288
    items:
      - key: {{ .name }}
        path: password
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
{{- if has "nats" .app.uses }}
- name: nats-auth
  mountPath: {{ printf "%s/nats" $dir }}
  readOnly: true
{{- end }}
{{- if and (has "fcm" .app.uses) (include "parley.fcmEnabled" $root) }}
- name: fcm
  mountPath: {{ printf "%s/fcm" $dir }}
  readOnly: true
{{- end }}
{{- end -}}

{{/* A NetworkPolicy egress rule to an external service: its ports, to its peers (none listed: any address). */}}
{{- define "parley.egressRule" }}
    - ports:
        {{- range .ports }}
        - { port: {{ . }}, protocol: TCP }
        {{- end }}
      {{- with .to }}
      to:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
