#!/usr/bin/env bash
# Builds the real Kubernetes programs the tests run (kube-apiserver, etcd and kubectl from the
# `kubernetes` module; helm from the `helm` module) from their Go modules, into a cache outside
# the repository, and prints the directory that holds them.
#
#   bash test/k8s-bins/build.sh kubernetes   # prints the directory of kube-apiserver, etcd, kubectl
#   bash test/k8s-bins/build.sh helm         # prints the directory of helm
#   bash test/k8s-bins/build.sh              # builds both, prints nothing
#
# The versions are the committed go.mod and go.sum beside this script; the cache directory is
# keyed by their hash and the Go version, so a change of either builds again and a second run is
# a no-op. Cache: $POINTSMAN_BIN_CACHE, else $XDG_CACHE_HOME/pointsman, else ~/.cache/pointsman.
# Without Go: exit status 3, except for a plain `build.sh` outside CI (npm test's pretest on a
# developer machine), which says so and exits 0: the tests that need the programs then skip.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

# Go's own install directory, for shells that did not read a profile adding it to PATH.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  PATH="/usr/local/go/bin:$PATH"
fi
if ! command -v go >/dev/null 2>&1; then
  echo "build.sh: no Go toolchain on PATH; the real-API-server tests need Go 1.26" >&2
  if [ "${1:-all}" = all ] && [ -z "${CI:-}" ]; then exit 0; fi
  exit 3
fi
# The machine's own Go, never one downloaded on the fly; no cgo (static binaries, as upstream).
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly

cache_root="${POINTSMAN_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pointsman}/k8s-bins"

# The directory a module's programs go to: keyed by its go.mod, go.sum and the Go version.
out_dir() {
  local module="$1"
  local key
  key="$( (cat "$here/$module/go.mod" "$here/$module/go.sum"; go env GOVERSION) | sha256sum | cut -c1-16)"
  echo "$cache_root/$module-$key"
}

# The version of `module_path` that go.mod requires, e.g. v1.36.3.
required_version() {
  (cd "$here/$1" && go list -m -f '{{.Version}}' "$2")
}

build_kubernetes() {
  local out="$1" version minor ldflags
  version="$(required_version kubernetes k8s.io/kubernetes)"
  minor="$(echo "$version" | cut -d. -f2)"
  # Without these the servers report v0.0.0-master; the values must be valid semver.
  ldflags="-s -w"
  for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags="$ldflags -X $package.gitVersion=$version -X $package.gitMajor=1"
    ldflags="$ldflags -X $package.gitMinor=$minor -X $package.gitTreeState=clean"
  done
  (
    cd "$here/kubernetes"
    go build -trimpath -tags=selinux,notest,grpcnotrace -ldflags="$ldflags" \
      -o "$out/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
    go build -trimpath -tags=selinux,notest,grpcnotrace -ldflags="$ldflags" \
      -o "$out/kubectl" k8s.io/kubernetes/cmd/kubectl
    go build -trimpath -ldflags="-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3
  )
}

build_helm() {
  local out="$1" version
  version="$(required_version helm helm.sh/helm/v4)"
  (
    cd "$here/helm"
    go build -trimpath -ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=$version" \
      -o "$out/helm" helm.sh/helm/v4/cmd/helm
  )
}

# Builds `module` unless its directory is complete; concurrent callers wait on one lock.
ensure() {
  local module="$1" out
  out="$(out_dir "$module")"
  if [ ! -f "$out/.complete" ]; then
    mkdir -p "$cache_root"
    exec 9>"$cache_root/$module.lock"
    flock 9
    if [ ! -f "$out/.complete" ]; then
      echo "build.sh: building $module into $out (minutes on a cold cache)" >&2
      rm -rf "$out.partial"
      mkdir -p "$out.partial"
      "build_$module" "$out.partial" >&2
      touch "$out.partial/.complete"
      rm -rf "$out"
      mv "$out.partial" "$out"
    fi
    flock -u 9
  fi
  echo "$out"
}

case "${1:-all}" in
  kubernetes | helm) ensure "$1" ;;
  all)
    ensure kubernetes >/dev/null
    ensure helm >/dev/null
    ;;
  *)
    echo "usage: build.sh [kubernetes|helm]" >&2
    exit 2
    ;;
esac
