#!/bin/sh
# Makes k8s/common/secrets/ (kept out of git), which kustomize turns into the Secret ganymede-secrets:
# a random run token and two CURVE key pairs (`ganymede keys`): the coordinator's and the workers'.
#   sh k8s/make-secrets.sh            (GANYMEDE="node bin/ganymede.js" to use another ganymede command)
set -eu
dir="$(dirname "$0")/common/secrets"
ganymede=${GANYMEDE:-npx ganymede}
if [ -e "$dir/token" ]; then
  echo "make-secrets: $dir already holds secrets; nothing was changed (delete the folder to make new ones)" >&2
  exit 1
fi
mkdir -p "$dir"
chmod 700 "$dir"
node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('hex'))" > "$dir/token"
$ganymede keys --out "$dir" --name coordinator
$ganymede keys --out "$dir" --name worker
echo "make-secrets: wrote $dir (token, coordinator.{public,secret}, worker.{public,secret})"
