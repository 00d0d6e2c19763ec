#!/bin/bash
# The scale harness (docs/architecture.md, "Scale harness"): builds bench_scale
# and isthmus, then runs it with the given options (bench/scale.sh --help).
#   bench/scale.sh --clouds 2 --hosts-per-cloud 50 --networks 20 --ports 2000 --events 200   # seconds
#   bench/scale.sh                                  # 10 clouds x 1,000 hosts, 100,000 ports
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --build build -j2 --target isthmus bench_scale >/dev/null
exec build/bench/bench_scale "$@"
