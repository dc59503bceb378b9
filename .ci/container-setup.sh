#!/usr/bin/env bash
# Makes podman able to build and run the generated Dockerfile on a machine with no image registry:
# installs podman, then builds the Node 24 base image locally (Debian bookworm minbase + the real
# Node 24 binary and npm from the npm registry) and tags it with the name the generated
# Dockerfile's FROM uses. Idempotent: a second run only checks that the image exists (~1 s).
# The rootfs tarball is cached under .tools/ (gitignored) so re-importing after `podman rmi` skips
# debootstrap. Usage: bash .ci/container-setup.sh   (MLGEN_BASE_REBUILD=1 rebuilds from scratch)
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_MAJOR=24
CACHE=.tools/container
# What `deploy.image.base` defaults to; podman resolves the short name `node:...` to docker.io/library.
DEFAULT_BASE=$(node -e "
    const s = require('./schemas/mlservice.schema.json');
    const base = s.properties.deploy.properties.image.properties.base.default;
    process.stdout.write(base.includes('/') ? base : 'docker.io/library/' + base);
  ")
BASE_IMAGE=${MLGEN_BASE_IMAGE:-$DEFAULT_BASE}
# Other Node 24 bookworm names the committed examples build FROM (e.g. `buildBase: node:24-bookworm`)
# get the same image as a stand-in: enough for our pure-JS builds, though it lacks the full image's
# compilers.
ALIASES=$(sed -n 's/^FROM \(node:24-bookworm[^ ]*\).*/docker.io\/library\/\1/p' examples/*/Dockerfile 2>/dev/null | sort -u || true)

log() { printf '[container-setup %ss] %s\n' "$SECONDS" "$*"; }

install_tools() {
  local missing=()
  for tool in podman runc debootstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [ ${#missing[@]} -eq 0 ] && return
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap >/dev/null
}

# The first Debian mirror the machine's apt sources name (deb822 `URIs:` or one-line `deb URL`).
debian_mirror() {
  local url
  url=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ && $2 ~ /debian\/?$/ { print $2; exit }')
  [ -n "$url" ] || url=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '$1 == "deb" && $2 !~ /security/ && $2 ~ /debian\/?$/ { print $2; exit }')
  [ -n "$url" ] || { echo "container-setup: no Debian mirror in /etc/apt sources" >&2; exit 1; }
  printf '%s' "$url"
}

# Node binary + npm, as the official image lays them out (/usr/local/bin, /usr/local/lib/node_modules).
add_node() {
  local rootfs=$1 dir
  dir=$(mktemp -d)
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "node@$NODE_MAJOR" npm@11 >/dev/null
  install -m 0755 "$(readlink -f "$dir/node_modules/.bin/node")" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules"
  cp -a "$dir/node_modules/npm" "$rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  rm -rf "$dir"
}

build_rootfs_tar() {
  local tar=$1 rootfs mirror
  rootfs=$(mktemp -d)
  mirror=$(debian_mirror)
  log "debootstrap bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
  log "adding Node $NODE_MAJOR and npm"
  add_node "$rootfs"
  chroot "$rootfs" groupadd -g 1000 node
  chroot "$rootfs" useradd -u 1000 -g node -s /bin/bash -m node
  chroot "$rootfs" node --version >/dev/null
  # Slim images carry no apt lists or caches.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
  mkdir -p "$(dirname "$tar")"
  tar -C "$rootfs" --numeric-owner -cf "$tar.tmp" .
  mv "$tar.tmp" "$tar"
  rm -rf "$rootfs"
}

main() {
  install_tools
  if [ "${MLGEN_BASE_REBUILD:-0}" = 1 ]; then
    # shellcheck disable=SC2086
    podman rmi -f "$BASE_IMAGE" $ALIASES >/dev/null 2>&1 || true
    rm -f "$CACHE"/rootfs-*.tar
  fi
  if podman image exists "$BASE_IMAGE"; then
    log "$BASE_IMAGE present"
    tag_aliases
    return
  fi
  local tar="$CACHE/rootfs-bookworm-node$NODE_MAJOR.tar"
  [ -f "$tar" ] || build_rootfs_tar "$tar"
  log "importing $BASE_IMAGE"
  podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' \
    "$tar" "$BASE_IMAGE" >/dev/null
  log "done: $(podman image inspect --format '{{.Size}}' "$BASE_IMAGE") bytes"
  tag_aliases
}

tag_aliases() {
  local name
  for name in $ALIASES; do
    [ "$name" = "$BASE_IMAGE" ] || podman tag "$BASE_IMAGE" "$name"
  done
}

main
