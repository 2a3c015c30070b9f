# faultline's engine workers and CLI. Build context: the repository root (see /.dockerignore).
#   docker build -f infra/docker/images/engine.Dockerfile -t faultline/engine:0.1 .
# Workers run as `node --import tsx /app/engines/<engine>/<entry>.ts <id>`; tsx is a production dependency.
# BASE is any image with Node 20 and npm (`faultline images build --offline` passes one built from Debian).
ARG BASE=node:20-bookworm-slim
FROM ${BASE}
WORKDIR /app
# Dependencies first: this slow layer is reused until package.json or the lockfile change.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY bin ./bin
COPY core ./core
COPY clients ./clients
COPY infra ./infra
COPY scenarios ./scenarios
COPY dashboards ./dashboards
COPY chaos ./chaos
COPY harness ./harness
COPY engines ./engines
COPY cli ./cli
CMD ["node", "/app/bin/faultline.js", "--help"]
