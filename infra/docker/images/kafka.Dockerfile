# Apache Kafka 3.9 for faultline: one KRaft broker+controller started by kafka-entry.sh. Build context: this folder.
#   docker build -f infra/docker/images/kafka.Dockerfile -t faultline/kafka:3.9.1 infra/docker/images
# BASE needs a JRE on PATH, the Kafka jars in /opt/kafka/libs and a user `appuser` (true of the official image).
ARG BASE=apache/kafka:3.9.1
FROM ${BASE}
USER root
COPY kafka-entry.sh kafka-server.properties kafka-log4j.properties /opt/faultline/
# chmod here rather than COPY --chmod, which the legacy builder rejects. The data dir is not a VOLUME: it lives
# in the container's layer, so `docker restart` keeps it and `docker rm` leaves no anonymous volume behind.
RUN chmod 755 /opt/faultline/kafka-entry.sh \
  && mkdir -p /var/lib/kafka-data \
  && chown appuser:appuser /var/lib/kafka-data
USER appuser
EXPOSE 9092 29092
ENTRYPOINT ["/opt/faultline/kafka-entry.sh"]
