# syntax=docker/dockerfile:1
# palisade-controller, with palisadectl beside it (kubectl exec … -- palisadectl status).
# Build from the repository root:
#   docker build -f images/controller.Dockerfile -t palisade/controller:0.1.0 .

# ---- build: install the workspace, compile every package, deploy the two we ship ----
FROM node:20-bookworm-slim AS build
ENV COREPACK_ENABLE_DOWNLOAD_PROMPT=0 CI=true
RUN corepack enable
WORKDIR /src
# Manifests first, so the dependency layer is cached until a package.json or the lockfile changes.
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
# A self-contained directory per program: its dist plus production node_modules only.
RUN pnpm --filter @palisade/controller deploy --prod --legacy /out/controller \
 && pnpm --filter @palisade/cli deploy --prod --legacy /out/cli \
 && chmod 0755 /out/controller/dist/main.js /out/cli/dist/bin.js

# ---- runtime ----
FROM node:20-bookworm-slim
LABEL org.opencontainers.image.title="palisade-controller" \
      org.opencontainers.image.description="Palisade policy controller (Kubernetes NetworkPolicy to etcd) and palisadectl"
ENV NODE_ENV=production
COPY --from=build /out/controller /app
COPY --from=build /out/cli /opt/palisadectl
RUN ln -s /app/dist/main.js /usr/local/bin/palisade-controller \
 && ln -s /opt/palisadectl/dist/bin.js /usr/local/bin/palisadectl
WORKDIR /app
# The node image's unprivileged user (uid 1000); the controller needs no privileges.
USER node
EXPOSE 9091
ENTRYPOINT ["palisade-controller"]
