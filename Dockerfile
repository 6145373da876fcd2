# Build stage: a static binary (pure-Go SQLite, no cgo).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/oauthimap ./cmd/oauthimap \
 && mkdir -p /out/data

# Run stage: no shell, no package manager, a non-root user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/oauthimap /usr/local/bin/oauthimap
COPY --from=build --chown=65532:65532 /out/data /data
ENV OAUTHIMAP_DATA_DIR=/data \
    OAUTHIMAP_LISTEN=0.0.0.0:8080
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s CMD ["/usr/local/bin/oauthimap", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/oauthimap"]
CMD ["serve"]
