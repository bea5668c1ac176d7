#!/bin/sh
# Installs one service's runtime into PREFIX/venv: the two steps of the README's bootstrap (./dorf) —
# uv pinned by hash from tools/uv-requirements.txt, then `uv sync --frozen` from uv.lock — narrowed to
# what the service runs: its own package, the launcher (serve, migrate, seed) and, for the gateway, the
# web app it mounts; no dev group, non-editable, bytecode compiled ahead (the root filesystem is
# read-only at run time). The container image runs exactly this; so does tests/deploy/test_image.py.
#
#   deploy/image/install.sh PREFIX SERVICE        e.g. deploy/image/install.sh /opt/dorf accounts
set -eu
prefix="$1"
service="$2"
root="$(cd "$(dirname "$0")/../.." && pwd)"
python="${PYTHON:-python3}"

"$python" -m venv "$prefix/tools"
"$prefix/tools/bin/pip" install --quiet --require-hashes --no-deps -r "$root/tools/uv-requirements.txt"

packages="--package $service --package launcher"
if [ "$service" = gateway ]; then
  packages="$packages --package web"  # mounted by name: gateway cannot declare it (web imports gateway)
fi
# shellcheck disable=SC2086 # $packages is a list of options
UV_PROJECT_ENVIRONMENT="$prefix/venv" UV_PYTHON_DOWNLOADS=never "$prefix/tools/bin/uv" sync \
  --project "$root" --frozen --no-dev --no-editable --compile-bytecode $packages \
  --python "$(command -v "$python")" --quiet
