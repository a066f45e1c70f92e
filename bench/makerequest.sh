#!/usr/bin/env bash
# Compares one "Make a request" operation run through the whole engine
# (GET, parse JSON, one mapped field) with the same request made by a plain
# net/http client against the same loopback server. The two benchmarks are
# interleaved, round after round, so that load on the machine hits both
# alike; the script prints the medians and their ratio.
#
#   bench/makerequest.sh [ROUNDS]      # default 10 rounds
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-10}"
bin=$(mktemp -d)/httpapp.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
go test -c -o "$bin" ./modules/httpapp
out=""
for _ in $(seq "$rounds"); do
  for b in MakeRequest PlainClient; do
    out+=$("$bin" -test.run '^$' -test.bench "^Benchmark${b}\$" -test.benchmem -test.benchtime 1s | grep '^Benchmark')$'\n'
  done
done
printf '%s' "$out"
printf '%s' "$out" | awk '
  /^BenchmarkMakeRequest/ { m[++nm] = $3; ma = $7 }
  /^BenchmarkPlainClient/ { p[++np] = $3; pa = $7 }
  function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END {
    if (nm == 0 || np == 0) { print "no benchmark results"; exit 1 }
    em = median(m, nm); ep = median(p, np)
    printf "\nmedian ns/op over %d rounds: engine %.0f, plain net/http %.0f\n", nm, em, ep
    printf "engine / plain: %.3f (overhead %+.1f%%)\n", em / ep, (em / ep - 1) * 100
    printf "allocs/op: engine %s, plain %s\n", ma, pa
  }'
