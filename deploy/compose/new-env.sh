#!/bin/sh
# Prints a .env for docker-compose.yml: a new random value for every secret it requires (each
# `${NAME:?...}` in it). Run once: deploy/compose/new-env.sh > .env   (keep .env out of git)
set -eu
compose="$(cd "$(dirname "$0")/../.." && pwd)/docker-compose.yml"
grep -o '\${[A-Z0-9_]*:?' "$compose" | tr -d '${:?' | sort -u | while read -r name; do
  echo "$name=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
done
