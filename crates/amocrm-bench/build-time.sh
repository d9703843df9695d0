#!/usr/bin/env bash
# Clean debug build time of the `amocrm` crate, each figure a ratio against a baseline built
# in the same run, interleaved so that other load on the machine hits every variant alike:
#   - default: `cargo build -p amocrm` (feature rustls);
#   - no-tls: `cargo build -p amocrm --no-default-features`;
#   - floor: a crate depending only on reqwest (with the same TLS setup as amocrm's rustls
#     feature: rustls-no-provider + rustls on ring), serde, serde_json and tokio, with this
#     workspace's Cargo.lock, so the same versions;
#   - before: `amocrm` at the commit before issue 15 ($BEFORE, default 661eaec), from
#     `git archive`.
# Each in a target directory of its own (the shared target/ is not touched), plus cargo's
# --timings report and the size of the generated code.
# Usage: crates/amocrm-bench/build-time.sh   (TARGET_ROOT=/tmp/amocrm-build-bench by default,
#        REPEATS=2, BEFORE=661eaec; BEFORE= skips that variant)
# Each build is clean: the script removes only its own $TARGET_ROOT/<variant> directories.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
root=${TARGET_ROOT:-/tmp/amocrm-build-bench}
case "$root" in /tmp/*) ;; *) echo "TARGET_ROOT must be under /tmp" >&2; exit 1 ;; esac
mkdir -p "$root"
gen=crates/amocrm-raw/src/generated.rs
before=${BEFORE-661eaec}

# The floor: what any reqwest + serde + tokio client of this API compiles at least.
floor="$root/floor-src"
rm -rf "$floor" && mkdir -p "$floor/src"
cat >"$floor/Cargo.toml" <<'TOML'
[package]
name = "floor"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
reqwest = { version = "0.13", default-features = false, features = ["json", "query", "stream", "rustls-no-provider"] }
rustls = { version = "0.23.27", default-features = false, features = ["ring", "std", "tls12"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["rt", "time", "sync"] }

[workspace]
TOML
echo 'pub use {reqwest, rustls, serde, serde_json, tokio};' >"$floor/src/lib.rs"
cp Cargo.lock "$floor/Cargo.lock"

if [ -n "$before" ]; then
  rm -rf "$root/before-src" && mkdir -p "$root/before-src"
  git archive "$before" | tar -x -C "$root/before-src"
fi

crates() { # crates DIR PKG ARGS...: distinct crates in the normal dependency tree
  local dir=$1 pkg=$2; shift 2
  (cd "$dir" && cargo tree -q -p "$pkg" -e normal --prefix none --format '{p}' "$@" \
     | sed 's/ (\*)$//; s/ (proc-macro)$//' | sort -u | wc -l)
}

echo "## Build time of \`amocrm\` (clean, debug, dev profile)"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); nproc: $(nproc); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "- $(cargo --version); $(rustc --version)"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- generated code: \`$gen\`: $(wc -c <"$gen") bytes, $(wc -l <"$gen") lines"
echo "- crates in the normal dependency tree of \`amocrm\`: $(crates . amocrm) (default features),"\
     "$(crates . amocrm --no-default-features) (no TLS)${before:+, $(crates "$root/before-src" amocrm) at $before}; floor: $(crates "$floor" floor)"
echo
echo "Each variant is built clean ${REPEATS:-2} times, interleaved; CPU = user + sys of cargo and"
echo "everything it ran (rustc, build scripts, cc), less sensitive to other load than wall time."
echo
echo "| variant | command | run | wall s | CPU s | load avg after |"
echo "|---|---|---:|---:|---:|---|"

declare -A wall cpu
build() { # build NAME RUN DIR PKG ARGS...
  local name=$1 run=$2 src=$3 pkg=$4; shift 4
  local dir="$root/$name"
  rm -rf "$dir"
  local times
  times=$(python3 - "$src" "$dir" "$root/$name.log" "$pkg" "$@" <<'PY'
import os, resource, subprocess, sys, time
src, dir, log, pkg, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
env = dict(os.environ, CARGO_TARGET_DIR=dir)
start = time.monotonic()
with open(log, "w") as out:
    subprocess.run(["cargo", "build", "-q", "-p", pkg, "--timings", *args],
                   cwd=src, env=env, stderr=out, check=True)
wall = time.monotonic() - start
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.1f} {ru.ru_utime + ru.ru_stime:.1f}")
PY
)
  read -r w c <<<"$times"
  wall[$name,$run]=$w cpu[$name,$run]=$c
  printf '| %s | `cargo build -p %s %s` | %s | %s | %s | %s |\n' "$name" "$pkg" "$*" "$run" \
    "$w" "$c" "$(cut -d' ' -f1-3 /proc/loadavg)"
  cp "$dir"/cargo-timings/cargo-timing.html "$root/$name-timing.html" 2>/dev/null || true
}

cargo fetch -q >/dev/null 2>&1 || true
(cd "$floor" && cargo fetch -q >/dev/null 2>&1) || true
[ -z "$before" ] || (cd "$root/before-src" && cargo fetch -q >/dev/null 2>&1) || true
variants="floor default no-tls${before:+ before}"
repeats=${REPEATS:-2}
for run in $(seq "$repeats"); do
  # Rotate the order from run to run, so no variant always comes first or last.
  set -- $variants
  for _ in $(seq $(( (run - 1) % $# ))); do set -- "${@:2}" "$1"; done
  for v in "$@"; do
    case $v in
      floor) build floor "$run" "$floor" floor ;;
      default) build default "$run" "$repo" amocrm ;;
      no-tls) build no-tls "$run" "$repo" amocrm --no-default-features ;;
      before) build before "$run" "$root/before-src" amocrm ;;
    esac
  done
done

echo
echo "Ratios, run by run (wall; CPU in parentheses):"
echo
echo "| run | default / floor (target ≤ 1.15x) | no-tls / floor | default / before (target ≤ 0.6x) |"
echo "|---:|---:|---:|---:|"
for run in $(seq "$repeats"); do
  python3 - "$run" "${wall[default,$run]}" "${cpu[default,$run]}" "${wall[floor,$run]}" "${cpu[floor,$run]}" \
    "${wall[no-tls,$run]}" "${cpu[no-tls,$run]}" "${wall[before,$run]:-}" "${cpu[before,$run]:-}" <<'PY'
import sys
run, dw, dc, fw, fc, nw, nc, bw, bc = sys.argv[1:]
r = lambda a, b: f"{float(a) / float(b):.2f}x" if a and b else "-"
print(f"| {run} | {r(dw, fw)} ({r(dc, fc)}) | {r(nw, fw)} ({r(nc, fc)}) | {r(dw, bw)} ({r(dc, bc)}) |")
PY
done

echo
echo "Per-crate times (cargo --timings; the slowest 15 units of the default build):"
echo
# The HTML report embeds the unit data as JSON: UNIT_DATA = [...];
python3 - "$root/default-timing.html" "$root/no-tls-timing.html" <<'PY'
import json, re, sys
def units(path):
    try:
        html = open(path).read()
    except OSError:
        return []
    m = re.search(r'const UNIT_DATA = (\[.*?\]);\n', html, re.S)
    return json.loads(m.group(1)) if m else []
default = units(sys.argv[1])
notls = {u["name"] + " " + u.get("target", ""): u["duration"] for u in units(sys.argv[2])}
print("| crate | target | seconds (default) | seconds (no TLS) |")
print("|---|---|---:|---:|")
for u in sorted(default, key=lambda u: -u["duration"])[:15]:
    key = u["name"] + " " + u.get("target", "")
    other = notls.get(key)
    print(f'| {u["name"]} {u["version"]} | {u.get("target","").strip() or "lib"} | {u["duration"]:.1f} | {"-" if other is None else f"{other:.1f}"} |')
print()
print(f"units: {len(default)} (default), {len(notls)} (no TLS); sum of unit times: "
      f"{sum(u['duration'] for u in default):.1f} s (default), {sum(notls.values()):.1f} s (no TLS)")
PY

echo
echo "Rebuilding only \`amocrm-raw\` (the generated code) and \`amocrm\` with everything else built"
echo "(their fingerprints removed in the default target dir; \`-j1\`; 3 times, cargo --timings):"
echo
for i in 1 2 3; do
  rm -rf "$root"/default/debug/.fingerprint/amocrm-raw-* "$root"/default/debug/.fingerprint/amocrm-[0-9a-f]*
  CARGO_TARGET_DIR="$root/default" cargo build -q -p amocrm -j1 --timings 2>>"$root/default.log"
  cp "$(ls -t "$root"/default/cargo-timings/cargo-timing-*.html | head -1)" "$root/incremental-$i.html"
done
python3 - "$root" <<'PY'
import json, re, sys, statistics
root = sys.argv[1]
rows = {}
for i in (1, 2, 3):
    html = open(f"{root}/incremental-{i}.html").read()
    for u in json.loads(re.search(r'const UNIT_DATA = (\[.*?\]);\n', html, re.S).group(1)):
        if u["duration"] > 0:
            secs = dict((name, t["end"] - t["start"]) for name, t in (u.get("sections") or []))
            rows.setdefault(u["name"], []).append((u["duration"], secs.get("frontend", 0), secs.get("codegen", 0)))
print("| crate | seconds (median of 3) | frontend | codegen |")
print("|---|---:|---:|---:|")
for name, samples in rows.items():
    med = lambda k: statistics.median(s[k] for s in samples)
    print(f"| {name} | {med(0):.2f} | {med(1):.2f} | {med(2):.2f} |")
PY

echo
echo "What single dependencies of \`amocrm\` cost: crates reachable only through them, and"
echo "the sum of their unit times in the default build (CPU-ish seconds, 2 jobs in parallel):"
echo
python3 - "$root/default-timing.html" <<'PY'
import json, re, subprocess, sys
html = open(sys.argv[1]).read()
units = json.loads(re.search(r'const UNIT_DATA = (\[.*?\]);\n', html, re.S).group(1))
dur = {}
for u in units:
    dur[u["name"]] = dur.get(u["name"], 0) + u["duration"]
def tree(pkg):
    out = subprocess.run(["cargo", "tree", "-e", "normal,build", "--prefix", "none",
                          "--format", "{p}", "-p", pkg], capture_output=True, text=True).stdout
    return {l.split()[0] for l in out.splitlines() if l.strip()}
meta = json.loads(subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"],
                                 capture_output=True, text=True).stdout)
amocrm = next(p for p in meta["packages"] if p["name"] == "amocrm")
direct = [d["name"] for d in amocrm["dependencies"] if d["kind"] is None]
reach = {d: tree(d) for d in direct}
print("| dependency | crates only it brings | unit seconds | heaviest of them |")
print("|---|---:|---:|---|")
for d in sorted(direct, key=lambda d: -sum(dur.get(c, 0) for c in reach[d] - set().union(*(reach[o] for o in direct if o != d)))):
    only = reach[d] - set().union(*(reach[o] for o in direct if o != d))
    total = sum(dur.get(c, 0) for c in only)
    if total < 0.5:
        continue
    top = sorted(only, key=lambda c: -dur.get(c, 0))[:5]
    print(f"| {d} | {len(only)} | {total:.1f} | {', '.join(f'{c} {dur.get(c, 0):.1f}' for c in top)} |")
PY
echo
echo "HTML reports: $root/default-timing.html, $root/no-tls-timing.html"
