# Offline stand-in for ghcr.io/shopify/toxiproxy:2.12.0, built by `faultline images build --offline`: the
# server that infra/local/provision.ts builds with `go install` (linked against glibc, hence a Debian base),
# at /toxiproxy like the official image.
ARG DEBIAN=faultline/debian:bookworm
FROM ${DEBIAN}
COPY toxiproxy /toxiproxy
RUN ["/toxiproxy", "-version"]
