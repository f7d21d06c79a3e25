#!/usr/bin/env bash
# Installs the pinned client packages of package-lock.json into tests/clients/node_modules with
# `npm ci`, unless what is installed already came from this very lockfile (a stamp holds its
# hash): cheap when nothing changed. Concurrent runs (several build dirs) wait for each other.
#
#   tests/clients/npm_ci.sh [NPM]
set -euo pipefail
npm=${1:-npm}
cd "$(dirname "$0")"
exec 9<package-lock.json
flock 9
stamp=node_modules/.hoptrace-lockfile.sha256
want=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
# No install scripts: nothing here needs one (grpc-js is plain JavaScript).
"$npm" ci --no-audit --no-fund --prefer-offline --ignore-scripts
echo "$want" >"$stamp"
