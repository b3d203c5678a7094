#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, kube-controller-manager, kube-scheduler, etcd, kwok)
# from the pinned Go modules under hack/testbin/, once, into a cache outside the repository.
# The cache key is the set of versions plus a digest of the builder modules, so a version bump
# rebuilds and nothing else does. Progress goes to stderr; the binary folder is printed on stdout.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mods="$here/testbin"

version_of() { # version_of <go.mod> <module path>
  awk -v m="$2" '$1 == m || ($1 == "require" && $2 == m) { print ($1 == m ? $2 : $3); exit }' "$1"
}
k8s=$(version_of "$mods/kubernetes/go.mod" k8s.io/kubernetes)
etcd=$(version_of "$mods/etcd/go.mod" go.etcd.io/etcd/server/v3)
kwok=$(version_of "$mods/kwok/go.mod" sigs.k8s.io/kwok)
digest=$(cat "$mods"/*/go.mod "$mods"/*/go.sum "$mods"/etcd/main.go | sha256sum | cut -c1-10)
cache=${DORIS_TESTBIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/doris-operator/testbin}
dir="$cache/k8s-$k8s-etcd-$etcd-kwok-$kwok-$digest"

if [ -f "$dir/.complete" ]; then
  echo "$dir"
  exit 0
fi

command -v go >/dev/null || { echo "testbin: Go is needed to build the test control plane" >&2; exit 1; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
mkdir -p "$dir"
started=$(date +%s)
say() { echo "testbin: [$(($(date +%s) - started))s] $*" >&2; }

minor=${k8s#v1.}; minor=${minor%%.*}
k8s_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$k8s \
-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor \
-X k8s.io/component-base/version.gitTreeState=clean"

build() { # build <module dir> <ldflags> <package...>
  local mod=$1 flags=$2; shift 2
  for pkg in "$@"; do
    say "building $mod ${pkg##*/} (cold builds take minutes on 2 cores)"
    (cd "$mods/$mod" && go build -trimpath -o "$dir/" -ldflags "$flags" "$pkg")
  done
}

# `go build .` names the binary after the module's last path element: etcd.
build etcd "-s -w" .
build kwok "-s -w" sigs.k8s.io/kwok/cmd/kwok
build kubernetes "$k8s_ldflags" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler

for b in etcd kwok kube-apiserver kube-controller-manager kube-scheduler; do
  [ -x "$dir/$b" ] || { echo "testbin: $b was not built" >&2; exit 1; }
done
say "done: $dir"
printf 'k8s=%s\netcd=%s\nkwok=%s\nbuild_seconds=%s\n' "$k8s" "$etcd" "$kwok" "$(($(date +%s) - started))" >"$dir/.complete"
echo "$dir"
