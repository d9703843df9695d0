#!/usr/bin/env bash
# Load-independent figures: instruction counts (valgrind --tool=callgrind) of
#  1. one streaming run of 100,000 widgets per implementation, the client process alone
#     (the fake runs in an untraced child process), and
#  2. decoding page 1 (250 widgets) per decoder: Ir(N decodes) - Ir(0 decodes), / N.
# Usage: crates/amocrm-bench/callgrind.sh [N_WIDGETS] [N_DECODES]
#        crates/amocrm-bench/callgrind.sh observe [N_WIDGETS]
#   (the ergonomic stream with nothing installed, and with a tracing subscriber and a
#   metrics recorder installed, beside the hand-written one: issue 25's cost)
#        crates/amocrm-bench/callgrind.sh leads [N_LEADS] [N_DECODES]
#   (the same two figures for leads of 10 custom field values: streaming 100,000 leads
#   by default, decoding one 250-lead page)
# Output files go to ${OUT:-/tmp/amocrm-callgrind}; annotate with callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp/amocrm-callgrind}
mkdir -p "$out"
cargo build --release -p amocrm-bench --bin amocrm-bench >&2
bin=target/release/amocrm-bench

ir() { # ir NAME ARGS...: total instructions of one run
  local name=$1; shift
  valgrind --tool=callgrind --callgrind-out-file="$out/$name.out" "$bin" "$@" >/dev/null 2>"$out/$name.log"
  grep -m1 '^summary:' "$out/$name.out" | awk '{print $2}'
}

if [ "${1:-}" = observe ]; then
  widgets=${2:-100000}
  echo "## callgrind instruction counts (Ir), observability; $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "### Streaming $widgets widgets, client process only"
  echo
  echo "| run | Ir | Ir / widget | / hand-written | / ergonomic, nothing installed |"
  echo "|---|---:|---:|---:|---:|"
  hand=$(ir observe-hand once hand "$widgets")
  plain=$(ir observe-plain once ergonomic "$widgets")
  observed=$(ir observe-observed once-observed "$widgets")
  for row in "hand-written:$hand" "ergonomic, no subscriber, no recorder:$plain" \
    "ergonomic, subscriber + recorder:$observed"; do
    awk -v n="${row##*:}" -v h="$hand" -v p="$plain" -v w="$widgets" -v name="${row%:*}" \
      'BEGIN { printf "| %s | %d | %.0f | %.3fx | %.3fx |\n", name, n, n / w, n / h, n / p }'
  done
  exit 0
fi
if [ "${1:-}" = leads ]; then
  leads=${2:-100000}
  decodes=${3:-20}
  echo "## callgrind instruction counts (Ir), leads; $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "### Streaming $leads leads (10 custom field values each), client process only"
  echo
  echo "| implementation | Ir | Ir / lead | / hand-written | / raw types |"
  echo "|---|---:|---:|---:|---:|"
  declare -A stream
  for impl in hand raw ergonomic; do stream[$impl]=$(ir "leads-stream-$impl" once-leads "$impl" "$leads"); done
  for impl in ergonomic hand raw; do
    awk -v n="${stream[$impl]}" -v b="${stream[hand]}" -v r="${stream[raw]}" -v w="$leads" -v name="$impl" \
      'BEGIN { printf "| %s | %d | %.0f | %.3fx | %.3fx |\n", name, n, n / w, n / b, n / r }'
  done
  echo
  echo "### Decoding one 250-lead page, per decode"
  echo
  echo "| decoder | Ir / decode | / value | / hand-written |"
  echo "|---|---:|---:|---:|"
  declare -A dec
  for d in ergonomic hand value; do
    zero=$(ir "leads-decode-$d-0" once-decode-leads "$d" 0)
    many=$(ir "leads-decode-$d-$decodes" once-decode-leads "$d" "$decodes")
    dec[$d]=$(( (many - zero) / decodes ))
  done
  for d in ergonomic hand value; do
    awk -v n="${dec[$d]}" -v v="${dec[value]}" -v h="${dec[hand]}" -v name="$d" \
      'BEGIN { printf "| %s | %d | %.3fx | %.3fx |\n", name, n, n / v, n / h }'
  done
  exit 0
fi
widgets=${1:-100000}
decodes=${2:-50}

echo "## callgrind instruction counts (Ir); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "### Streaming $widgets widgets, client process only"
echo
echo "| implementation | Ir | Ir / widget | / hand-written |"
echo "|---|---:|---:|---:|"
declare -A stream
for impl in hand raw ergonomic; do stream[$impl]=$(ir "stream-$impl" once "$impl" "$widgets"); done
for impl in ergonomic hand raw; do
  awk -v n="${stream[$impl]}" -v b="${stream[hand]}" -v w="$widgets" -v name="$impl" \
    'BEGIN { printf "| %s | %d | %.0f | %.3fx |\n", name, n, n / w, n / b }'
done
echo
echo "### Decoding page 1 (250 widgets), per decode"
echo
echo "| decoder | Ir / decode | / value | / ergonomic |"
echo "|---|---:|---:|---:|"
declare -A dec
for d in ergonomic raw hand value hand-fast-rating; do
  zero=$(ir "decode-$d-0" once-decode "$d" 0)
  many=$(ir "decode-$d-$decodes" once-decode "$d" "$decodes")
  dec[$d]=$(( (many - zero) / decodes ))
done
for d in ergonomic raw hand value hand-fast-rating; do
  awk -v n="${dec[$d]}" -v v="${dec[value]}" -v e="${dec[ergonomic]}" -v name="$d" \
    'BEGIN { printf "| %s | %d | %.3fx | %.3fx |\n", name, n, n / v, n / e }'
done
