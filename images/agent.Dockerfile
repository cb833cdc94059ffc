# syntax=docker/dockerfile:1
# palisade-agent: node + iptables, ipset and tcpdump, plus the uninstall hook's waiter.
# Build from the repository root:
#   docker build -f images/agent.Dockerfile -t palisade/agent:0.1.0 .

# ---- build: install the workspace, compile every package, deploy the agent ----
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
RUN pnpm --filter @palisade/agent deploy --prod --legacy /out/agent \
 && chmod 0755 /out/agent/dist/main.js

# ---- runtime ----
FROM node:20-bookworm-slim
LABEL org.opencontainers.image.title="palisade-agent" \
      org.opencontainers.image.description="Palisade node agent: programs iptables and ipsets from the policy model in etcd"
# iptables brings both iptables-nft-* and iptables-legacy-* (the agent picks the
# host's backend); ipset for the sets; tcpdump reads the NFLOG group of blocked packets.
RUN apt-get update \
 && apt-get install -y --no-install-recommends iptables ipset tcpdump conntrack \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
COPY --from=build /out/agent /app
COPY images/hooks/waitForDaemonSet.mjs /opt/palisade/hooks/waitForDaemonSet.mjs
RUN ln -s /app/dist/main.js /usr/local/bin/palisade-agent
WORKDIR /app
# Root on purpose: Kubernetes gives added capabilities (NET_ADMIN, NET_RAW) to uid 0
# only. The chart drops every other capability and makes the root filesystem
# read-only (charts/palisade/values.yaml, agent). The uninstall waiter runs as 65534.
USER 0
EXPOSE 9092
ENTRYPOINT ["palisade-agent"]
