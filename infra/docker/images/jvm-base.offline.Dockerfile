# Offline stand-in for eclipse-temurin:17-jre, built by `faultline images build --offline`: Debian's JRE 17 (the
# same package as kafka-base's) and procps (`ps`, to find a Storm worker's JVM inside its supervisor's container).
ARG DEBIAN=faultline/debian:bookworm
FROM ${DEBIAN}
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless procps \
  && rm -rf /var/lib/apt/lists/*
