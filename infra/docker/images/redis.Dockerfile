# Redis 7 for faultline: no persistence, reachable from other containers. Build context: this folder.
#   docker build -f infra/docker/images/redis.Dockerfile -t faultline/redis:7 infra/docker/images
ARG BASE=redis:7-bookworm
FROM ${BASE}
EXPOSE 6379
CMD ["redis-server", "--save", "", "--appendonly", "no", "--protected-mode", "no", "--bind", "0.0.0.0"]
