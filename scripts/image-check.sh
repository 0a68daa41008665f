#!/usr/bin/env bash
# Builds the image from the Dockerfile with buildah and runs it with podman against the project's own
# simulators: /healthz answers, the process is not root, and one /clone goes from the slash command to the
# result reply. Prints the image size and the build time.
#
#   scripts/image-check.sh            exit 0: verified; 1: the image is broken; 77: SKIPPED (reason printed)
#
# The split: anything about this machine (tools missing, podman unable to start, no base image to be had,
# making or importing the Debian base, a container that cannot run at all) is a skip; building OUR
# Dockerfile and what the running image does are failures.
#
# No Docker engine is needed. When the registry's node:20-bookworm-slim cannot be pulled (no registry
# reachable), the base is made from Debian's own packages (debootstrap bookworm, minbase) plus this host's
# Node 20 binary and npm (Debian's nodejs is 18, older than the engines field allows), with the same `node`
# user (uid 1000) the official image has. That base is cached in IMAGE_CHECK_ROOT between runs.
#
# Knobs: IMAGE_CHECK_ROOT (storage and cache, default /var/tmp/pve-clonebot-image-check),
# IMAGE_CHECK_BASE (an image to build FROM instead of pulling or debootstrapping),
# IMAGE_CHECK_MIRROR (Debian mirror for debootstrap, default http://deb.debian.org/debian).
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT=${IMAGE_CHECK_ROOT:-/var/tmp/pve-clonebot-image-check}
MIRROR=${IMAGE_CHECK_MIRROR:-http://deb.debian.org/debian}
REGISTRY_BASE=docker.io/library/node:20-bookworm-slim
IMAGE=localhost/pve-clonebot:image-check

log() { printf '\n==> %s\n' "$*"; }
# Not verified, and says why loudly: the caller (.ci/run) reports it and carries on.
skip() {
  printf '\n!!! IMAGE CHECK SKIPPED: %s\n!!! The Dockerfile was NOT built or run on this machine.\n' "$*" >&2
  exit 77
}
fail() {
  printf '\n!!! IMAGE CHECK FAILED: %s\n' "$*" >&2
  exit 1
}

for tool in buildah podman runc; do
  command -v "$tool" >/dev/null 2>&1 ||
    skip "$tool is not installed (apt-get install -y --no-install-recommends buildah podman runc debootstrap)"
done

# Our own storage (vfs: no overlay or fuse needed) so the host's container config and images are untouched.
# runc, not crun: crun's setrlimit fails with EPERM on hybrid-cgroup hosts such as this sandbox.
storage=(--root "$ROOT/storage" --runroot "$ROOT/run" --storage-driver vfs)
podman=(podman "${storage[@]}" --runtime runc --cgroup-manager cgroupfs)
buildah=(buildah "${storage[@]}")
run_flags=(--network host --ulimit nofile=20000:20000 --ulimit nproc=4096:4096)
mkdir -p "$ROOT" 2>/dev/null || skip "cannot create IMAGE_CHECK_ROOT $ROOT"

podman_out=$("${podman[@]}" info --format '{{.Store.GraphDriverName}}' 2>&1) ||
  skip "podman cannot start here: $podman_out"

# --- the base: the registry's image if it can be pulled, else one made from Debian's packages ---
base=${IMAGE_CHECK_BASE:-}
if [ -z "$base" ]; then
  if "${podman[@]}" image exists "$REGISTRY_BASE" ||
    timeout 30 "${podman[@]}" pull -q "$REGISTRY_BASE" >/dev/null 2>"$ROOT/pull.log"; then
    base=$REGISTRY_BASE
    log "Base: $base (from the registry)"
  else
    log "Base: $REGISTRY_BASE cannot be pulled ($(tail -n 1 "$ROOT/pull.log" 2>/dev/null)); making one from Debian's packages"
    node_version=$(node --version 2>/dev/null || true)
    case "$node_version" in
      v20.*) ;;
      *) skip "no registry base, and this host's node is '${node_version:-missing}', not the Node 20 the image needs" ;;
    esac
    base=localhost/pve-clonebot-base:bookworm-node-${node_version#v}
    if "${podman[@]}" image exists "$base"; then
      log "Base: $base (cached in $ROOT)"
    else
      command -v debootstrap >/dev/null 2>&1 || skip "debootstrap is not installed (apt-get install -y debootstrap)"
      rootfs="$ROOT/rootfs"
      rm -rf "$rootfs"
      started=$SECONDS
      debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$ROOT/debootstrap.log" 2>&1 ||
        skip "debootstrap bookworm from $MIRROR failed (no Debian mirror reachable?): $(tail -n 3 "$ROOT/debootstrap.log")"
      node_bin=$(command -v node)
      npm_dir=$(dirname "$(dirname "$node_bin")")/lib/node_modules/npm
      [ -d "$npm_dir" ] || skip "npm not found next to $node_bin (looked in $npm_dir)"
      # Making the base is this machine's business, not the Dockerfile's: a step that fails here is a skip.
      { install -D -m 0755 "$node_bin" "$rootfs/usr/local/bin/node" &&
        mkdir -p "$rootfs/usr/local/lib/node_modules" &&
        cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm" &&
        ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm" &&
        ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"; } >"$ROOT/base.log" 2>&1 ||
        skip "could not copy this host's node and npm into the Debian base: $(tail -n 3 "$ROOT/base.log")"
      chroot "$rootfs" useradd --uid 1000 --create-home --shell /bin/bash node >"$ROOT/base.log" 2>&1 ||
        skip "could not add the node user to the Debian base (chroot useradd): $(tail -n 3 "$ROOT/base.log")"
      # The host's CA bundle: where egress TLS is intercepted (as in this sandbox), npm ci inside the build
      # must trust that CA. Node reads NODE_EXTRA_CA_CERTS in addition to its own roots.
      install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/host-ca-certificates.crt" ||
        skip "this host has no CA bundle at /etc/ssl/certs/ca-certificates.crt to give the base"
      rm -rf "$rootfs/var/cache/apt/archives"/*.deb "$rootfs/var/lib/apt/lists"/*
      # An import this machine cannot do (storage driver, permissions, disk) is the environment's limit.
      tar -C "$rootfs" -c . | "${podman[@]}" import \
        --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/host-ca-certificates.crt' \
        --change 'CMD ["node"]' - "$base" >"$ROOT/import.log" 2>&1 ||
        skip "podman cannot import the locally made Debian base: $(tail -n 3 "$ROOT/import.log")"
      rm -rf "$rootfs"
      log "Base: $base made in $((SECONDS - started)) s (debootstrap minbase + host node $node_version)"
    fi
  fi
fi

# Can this machine run a container at all? Environment, not the product: skip when not.
probe=$("${podman[@]}" run --rm "${run_flags[@]}" "$base" node -e 'console.log(process.version)' 2>&1) ||
  skip "podman cannot run a container here: $probe"

# --- the image, from the Dockerfile as it is ---
log "Building $IMAGE from the Dockerfile (FROM $base)"
started=$SECONDS
# --format docker: OCI images drop HEALTHCHECK. --layers: unchanged steps come from cache on the next run.
"${buildah[@]}" bud --format docker --layers --isolation chroot --network host \
  --build-arg "NODE_IMAGE=$base" -t "$IMAGE" . >"$ROOT/build.log" 2>&1 ||
  { tail -n 40 "$ROOT/build.log" >&2; fail "the Dockerfile does not build (full log: $ROOT/build.log)"; }
build_seconds=$((SECONDS - started))
size_bytes=$("${podman[@]}" image inspect "$IMAGE" --format '{{.Size}}')
healthcheck=$("${podman[@]}" image inspect "$IMAGE" --format '{{json .HealthCheck}}')
[ "$healthcheck" != "null" ] || fail "the image has no HEALTHCHECK"

# --- run it: the driver starts the simulators and a private Redis on this host, then the container ---
log "Running the image against the simulators"
json_words() { node -e 'console.log(JSON.stringify(process.argv.slice(1)))' -- "$@"; }
IMAGE_CHECK_PODMAN=$(json_words "${podman[@]}") IMAGE_CHECK_RUN_FLAGS=$(json_words "${run_flags[@]}") \
  IMAGE_CHECK_IMAGE=$IMAGE \
  npx tsx scripts/image-check-drive.ts || fail "the running image did not pass (see above)"

log "Image check passed"
printf '  image          %s (FROM %s)\n' "$IMAGE" "$base"
printf '  image size     %s MB\n' "$((size_bytes / 1000000))"
printf '  build time     %s s (buildah bud --layers; a change to package-lock.json rebuilds the npm ci layers)\n' "$build_seconds"
