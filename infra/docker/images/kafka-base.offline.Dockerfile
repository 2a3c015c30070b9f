# Offline stand-in for apache/kafka:3.9.1, built by `faultline images build --offline`: Debian's JRE 17 and the
# Kafka jars that infra/local/provision.ts fetches from Maven Central (the context's libs/ folder). Like the
# official image it has the jars in /opt/kafka/libs and runs as `appuser`.
ARG DEBIAN=faultline/debian:bookworm
FROM ${DEBIAN}
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless \
  && rm -rf /var/lib/apt/lists/* \
  && useradd --create-home --user-group appuser
COPY libs/ /opt/kafka/libs/
USER appuser
