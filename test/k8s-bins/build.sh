#!/usr/bin/env bash
# Builds the real Kubernetes programs the tests run (kube-apiserver, etcd and kubectl from the
# `kubernetes` module; helm from the `helm` module) from their Go modules, into a cache outside
# the repository, and prints the directory that holds them.
#
#   bash test/k8s-bins/build.sh kubernetes   # prints the directory of kube-apiserver, etcd, kubectl
#   bash test/k8s-bins/build.sh helm         # prints the directory of helm
#   bash test/k8s-bins/build.sh              # builds both, prints nothing
#   bash test/k8s-bins/build.sh --check      # exit 0 when a Go that can build them is here
#
# The versions are the committed go.mod and go.sum beside this script; the cache directory is
# keyed by their hash, this script's and the Go version, so a change of any builds again and a
# second run is a no-op. Cache: $POINTSMAN_BIN_CACHE, else $XDG_CACHE_HOME/pointsman, else
# ~/.cache/pointsman.
# Without a Go of at least 1.26: exit status 3. A plain `build.sh` outside CI (npm test's pretest
# on a developer machine) instead says what is missing or failed and exits 0, so the rest of the
# suite runs: the suites that need the programs then skip (no Go) or fail with the build's error.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
script="$here/$(basename "$0")"

# The machine's own Go, never one downloaded on the fly; no cgo (static binaries, as upstream).
export GOTOOLCHAIN=local CGO_ENABLED=0
# Go's own install directory, for shells that did not read a profile adding it to PATH.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  PATH="/usr/local/go/bin:$PATH"
fi

# Whether the Go here is 1.26 or newer (the modules say `go 1.26.0`).
usable_go() {
  local version
  command -v go >/dev/null 2>&1 || return 1
  version="$(go env GOVERSION 2>/dev/null)" || return 1
  [[ "$version" =~ ^go1\.([0-9]+) ]] || return 1
  [ "${BASH_REMATCH[1]}" -ge 26 ]
}

if [ "${1:-all}" = --check ]; then
  usable_go && exit 0
  exit 3
fi
if ! usable_go; then
  echo "build.sh: no Go 1.26 or newer on PATH or in /usr/local/go; the real-API-server tests need it" >&2
  if [ "${1:-all}" = all ] && [ -z "${CI:-}" ]; then exit 0; fi
  exit 3
fi

cache_root="${POINTSMAN_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pointsman}/k8s-bins"

# The directory a module's programs go to: keyed by its go.mod and go.sum, this script (its
# flags and program list) and the Go version.
out_dir() {
  local module="$1"
  local key
  key="$( (cat "$here/$module/go.mod" "$here/$module/go.sum" "$script"; go env GOVERSION) | sha256sum | cut -c1-16)"
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
    # Each module in a process of its own, so that `set -e` holds inside it whatever happens here.
    for module in kubernetes helm; do
      if ! bash "$script" "$module" >/dev/null; then
        [ -n "${CI:-}" ] && exit 1
        echo "build.sh: building $module failed; the tests that need it will fail" >&2
      fi
    done
    ;;
  *)
    echo "usage: build.sh [kubernetes|helm|--check]" >&2
    exit 2
    ;;
esac
