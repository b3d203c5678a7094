#!/usr/bin/env bash
# The Prometheus Operator's CRDs (PodMonitor, PrometheusRule, ...) for the tests of DorisMonitor's
# PrometheusOperator mode: the module is fetched from the Go module proxy into Go's module cache
# (kept between runs); the folder of the CRD files is printed on stdout.
set -euo pipefail

module=github.com/prometheus-operator/prometheus-operator
version=v0.94.0

command -v go >/dev/null || { echo "prometheus-operator-crds: Go is needed" >&2; exit 1; }
dir=$(GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json "$module@$version" |
  awk -F'"' '/"Dir":/ { print $4 }')
[ -n "$dir" ] && [ -f "$dir/example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml" ] ||
  { echo "prometheus-operator-crds: $module@$version has no CRDs where expected" >&2; exit 1; }
echo "$dir/example/prometheus-operator-crd"
