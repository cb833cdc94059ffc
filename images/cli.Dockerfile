# syntax=docker/dockerfile:1
# palisadectl on its own, for workstations and CI:
#   docker build -f images/cli.Dockerfile -t palisade/cli:0.1.0 .
#   docker run --rm -e PALISADE_ETCD_ENDPOINTS=http://etcd:2379 palisade/cli:0.1.0 status

# ---- build: install the workspace, compile every package, deploy the CLI ----
FROM node:20-bookworm-slim AS build
ENV COREPACK_ENABLE_DOWNLOAD_PROMPT=0 CI=true
RUN corepack enable
WORKDIR /src
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY packages/model/package.json packages/model/
COPY packages/common/package.json packages/common/
COPY packages/datastore/package.json packages/datastore/
COPY packages/controller/package.json packages/controller/
COPY packages/agent/package.json packages/agent/
COPY packages/cli/package.json packages/cli/
COPY e2e/package.json e2e/
RUN pnpm install --frozen-lockfile
COPY tsconfig.base.json tsconfig.build.json ./
COPY packages/ packages/
RUN pnpm build
RUN pnpm --filter @palisade/cli deploy --prod --legacy /out/cli \
 && chmod 0755 /out/cli/dist/bin.js

# ---- runtime ----
FROM node:20-bookworm-slim
LABEL org.opencontainers.image.title="palisadectl" \
      org.opencontainers.image.description="Palisade CLI: get, describe, explain, status"
ENV NODE_ENV=production
COPY --from=build /out/cli /app
RUN ln -s /app/dist/bin.js /usr/local/bin/palisadectl
WORKDIR /app
USER node
ENTRYPOINT ["palisadectl"]
