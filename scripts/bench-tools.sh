#!/usr/bin/env bash
# Installs the Debian tools the benchmarks use beyond npm: wrk (load; bench/run.mjs falls back to autocannon
# without it) and valgrind (bench/instructions.mjs). Tests need neither. Run as root on Debian/Ubuntu.
set -euo pipefail
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v valgrind >/dev/null || missing+=(valgrind)
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "bench tools present: wrk, valgrind"
  exit 0
fi
apt-get update -qq
apt-get install -y -qq "${missing[@]}"
