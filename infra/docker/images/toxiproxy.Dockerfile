# Toxiproxy 2 for faultline. The official image is FROM scratch (binary at /toxiproxy, no shell), so no RUN.
#   docker build -f infra/docker/images/toxiproxy.Dockerfile -t faultline/toxiproxy:2.12.0 infra/docker/images
ARG BASE=ghcr.io/shopify/toxiproxy:2.12.0
FROM ${BASE}
EXPOSE 8474
ENTRYPOINT ["/toxiproxy"]
CMD ["-host=0.0.0.0", "-port=8474"]
