#!/bin/sh
# Writes deploy/k8s/base/services/NAME.yaml for a new service from service.template.yaml and lists it in
# base/kustomization.yaml. The rest is in docs/adding-a-service.md ("Deployment").
#   deploy/k8s/new-service.sh marketplace
set -eu
name="$1"
here="$(cd "$(dirname "$0")" && pwd)"
target="$here/base/services/$name.yaml"
[ -e "$target" ] && { echo "new-service: $target exists" >&2; exit 1; }
env_name="$(echo "$name" | tr 'a-z-' 'A-Z_')"
sed -e "s/__ENVNAME__/$env_name/g" -e "s/__NAME__/$name/g" -e '1,2d' "$here/service.template.yaml" > "$target"
sed -i "s|^  # new services above this line$|  - services/$name.yaml\n&|" "$here/base/kustomization.yaml"
echo "wrote $target; now: its role in base/postgres.yaml, its secret dorf-db-$name (overlays), its upstream in base/gateway.yaml"
