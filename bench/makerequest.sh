#!/usr/bin/env bash
# Compares one "Make a request" operation run through the whole engine
# (GET, parse JSON, one mapped field) with the same request made by a plain
# net/http client, measured in the same run. Prints medians and the ratio.
#
#   bench/makerequest.sh [COUNT]      # COUNT runs of each benchmark (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-10}"
out=$(go test ./modules/httpapp -run '^$' -bench '^Benchmark(MakeRequest|PlainClient)$' -benchmem -count "$count")
echo "$out" | grep -E '^Benchmark'
echo "$out" | awk '
  /^BenchmarkMakeRequest/ { m[++nm] = $3; ma = $7 }
  /^BenchmarkPlainClient/ { p[++np] = $3; pa = $7 }
  function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END {
    if (nm == 0 || np == 0) { print "no benchmark results"; exit 1 }
    em = median(m, nm); ep = median(p, np)
    printf "\nmedian ns/op: engine %.0f, plain net/http %.0f\n", em, ep
    printf "engine / plain: %.3f (overhead %+.1f%%)\n", em / ep, (em / ep - 1) * 100
    printf "allocs/op: engine %s, plain %s\n", ma, pa
  }'
