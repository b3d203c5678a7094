#!/usr/bin/env bash
# Everything the tests need beyond npm packages, installed only when missing: the control plane
# binaries (built from hack/testbin/, cached), a pinned helm (hack/helm.sh, cached), Prometheus and
# promtool with Kubernetes discovery (hack/prometheus.sh, built and cached), the Prometheus
# Operator's CRDs (hack/prometheus-operator-crds.sh, Go's module cache) and Debian packages for
# real neighbours.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v kubectl >/dev/null || { echo "setup: kubectl (1.27-1.33) is expected on the machine" >&2; exit 1; }

# Debian packages: command -> package.
declare -A packages=([setpriv]=util-linux [mysql]=default-mysql-client [unzip]=unzip)
missing=()
for cmd in "${!packages[@]}"; do
  command -v "$cmd" >/dev/null || [[ " ${missing[*]} " == *" ${packages[$cmd]} "* ]] || missing+=("${packages[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

bash hack/testbin.sh >/dev/null
bash hack/helm.sh >/dev/null
bash hack/prometheus.sh >/dev/null
bash hack/prometheus-operator-crds.sh >/dev/null
