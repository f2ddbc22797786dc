#!/usr/bin/env bash
# The Debian packages the local cluster's real node runs on (docs/localcluster.md):
# runc (containers), containernetworking-plugins (the pod network: bridge, host-local,
# loopback, portmap), conntrack (kube-proxy clears stale flows with it) and nftables
# (kube-proxy's nftables mode, and the cleanup of its rules).
#
#   hack/node-packages.sh          install the missing ones when root on Debian; else
#                                  say what is missing and how to get it (exit 0: the
#                                  cluster then runs its process node instead)
#   hack/node-packages.sh check    exit 1 when one is missing, naming it
set -euo pipefail

# package:file that proves it is installed
wanted=(
  "runc:/usr/sbin/runc"
  "containernetworking-plugins:/usr/lib/cni/bridge"
  "conntrack:/usr/sbin/conntrack"
  "nftables:/usr/sbin/nft"
)

missing=()
for w in "${wanted[@]}"; do
  [ -x "${w#*:}" ] || missing+=("${w%%:*}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

how="apt-get install --no-install-recommends ${missing[*]}"
if [ "${1:-}" = check ]; then
  echo "node-packages.sh: missing Debian packages for the real node: ${missing[*]} (as root: $how)" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "node-packages.sh: the real node needs ${missing[*]}; not installing them (needs root and apt-get): run '$how' as root." >&2
  echo "node-packages.sh: until then the local cluster runs its process node (--node auto)." >&2
  exit 0
fi
echo "node-packages.sh: installing ${missing[*]} for the real node"
export DEBIAN_FRONTEND=noninteractive
# The package lists of a fresh machine may be empty or stale: refresh them once when
# the first attempt cannot find a package.
apt-get install -y -q --no-install-recommends "${missing[@]}" ||
  { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; }
