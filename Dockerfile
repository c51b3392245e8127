# OSCAR Console container image: a static binary with its assets embedded, run as a non-root user.
FROM golang:1.27 AS build
ENV GOTOOLCHAIN=go1.27.3 CGO_ENABLED=0
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -ldflags="-s -w" -o /out/oscar-console ./cmd/oscar-console \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/oscar-console /oscar-console
COPY --from=build --chown=65532:65532 /out/data /data
# CONSOLE_ADDR=:8080 listens beyond loopback, so the console starts only with an https public URL
# (CONSOLE_PUBLIC_URL=https://<host> behind a TLS-terminating proxy, as the Helm chart sets) or its own
# certificate (CONSOLE_TLS_CERT_FILE, CONSOLE_TLS_KEY_FILE). Metrics listen on :9090, apart.
ENV CONSOLE_ADDR=:8080 CONSOLE_METRICS_ADDR=:9090 CONSOLE_DATA_DIR=/data CONSOLE_LOG_FORMAT=json
USER 65532:65532
EXPOSE 8080 9090
ENTRYPOINT ["/oscar-console"]
