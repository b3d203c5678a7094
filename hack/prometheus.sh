#!/usr/bin/env bash
# Prometheus and promtool for the monitoring tests, built once from the pinned Go module under
# hack/testbin/prometheus/ into a cache outside the repository, with only the Kubernetes service
# discovery (build tags remove_all_sd,enable_kubernetes_sd): Debian's package lacks it. The cache
# key is the module's version plus a digest of the builder module. Progress goes to stderr; the
# binary folder is printed on stdout.
set -euo pipefail

mod="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/testbin/prometheus"
version=$(awk '$1 == "github.com/prometheus/prometheus" { print $2; exit }' "$mod/go.mod")
digest=$(cat "$mod/go.mod" "$mod/go.sum" | sha256sum | cut -c1-10)
cache=${DORIS_TESTBIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/doris-operator/testbin}
dir="$cache/prometheus-$version-$digest"

if [ -f "$dir/.complete" ]; then
  echo "$dir"
  exit 0
fi

command -v go >/dev/null || { echo "prometheus: Go is needed to build Prometheus" >&2; exit 1; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
mkdir -p "$dir"
started=$(date +%s)
# v0.3MM.P is Prometheus 3.MM.P.
minor=${version#v0.3}; minor=${minor%%.*}; minor=$((10#$minor)); patch=${version##*.}
flags="-s -w -X github.com/prometheus/common/version.Version=3.$minor.$patch \
-X github.com/prometheus/common/version.Branch=release-3.$minor"
echo "prometheus: building Prometheus 3.$minor.$patch and promtool (a cold build takes minutes on 2 cores)" >&2
(cd "$mod" && go build -trimpath -tags remove_all_sd,enable_kubernetes_sd -ldflags "$flags" -o "$dir/" \
  github.com/prometheus/prometheus/cmd/prometheus github.com/prometheus/prometheus/cmd/promtool)
for b in prometheus promtool; do
  [ -x "$dir/$b" ] || { echo "prometheus: $b was not built" >&2; exit 1; }
done
echo "prometheus: done in $(($(date +%s) - started))s: $dir" >&2
printf 'version=%s\nbuild_seconds=%s\n' "$version" "$(($(date +%s) - started))" >"$dir/.complete"
echo "$dir"
