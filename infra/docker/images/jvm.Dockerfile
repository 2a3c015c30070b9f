# The real engines' JVMs under the docker provider (a Flink JobManager or TaskManager, a Kafka Streams instance,
# ZooKeeper, Storm's nimbus and supervisors): only a Java 17 runtime. Jars, configuration and the run's folder are
# bind-mounted from the host at the same paths (infra/docker/workers.ts), so nothing of faultline is in the image.
# BASE is any image with a Java 17 `java` on PATH (`faultline images build --offline` passes one built from Debian).
ARG BASE=eclipse-temurin:17-jre
FROM ${BASE}
CMD ["java", "-version"]
