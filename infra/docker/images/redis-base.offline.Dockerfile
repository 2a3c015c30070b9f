# Offline stand-in for redis:7-bookworm, built by `faultline images build --offline`: Debian's redis-server
# (7.0), run as the package's `redis` user from /data, as the official image does.
ARG DEBIAN=faultline/debian:bookworm
FROM ${DEBIAN}
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server redis-tools \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /data \
  && chown redis:redis /data
WORKDIR /data
USER redis
