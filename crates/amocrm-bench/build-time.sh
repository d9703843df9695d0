#!/usr/bin/env bash
# Clean debug build time of the `amocrm` crate, with and without its TLS feature, in a
# target directory of its own (the shared target/ is not touched), plus cargo's
# --timings report and the size of the generated code.
# Usage: crates/amocrm-bench/build-time.sh   (TARGET_ROOT=/tmp/amocrm-build-bench by default)
# Each build is clean: the script removes only its own $TARGET_ROOT/<variant> directories.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=${TARGET_ROOT:-/tmp/amocrm-build-bench}
mkdir -p "$root"
gen=crates/amocrm-raw/src/generated.rs

echo "## Build time of \`amocrm\` (clean, debug, dev profile)"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); nproc: $(nproc); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "- $(cargo --version); $(rustc --version)"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- generated code: \`$gen\`: $(wc -c <"$gen") bytes, $(wc -l <"$gen") lines"
echo
echo "Each variant is built clean ${REPEATS:-2} times, alternating; CPU = user + sys of cargo and"
echo "everything it ran (rustc, build scripts, cc), less sensitive to other load than wall time."
echo
echo "| variant | command | run | wall s | CPU s | load avg after |"
echo "|---|---|---:|---:|---:|---|"

build() { # build NAME RUN ARGS...
  local name=$1 run=$2; shift 2
  local dir="$root/$name"
  case "$dir" in /tmp/*) rm -rf "$dir" ;; *) echo "refusing to remove $dir" >&2; exit 1 ;; esac
  local times
  times=$(python3 - "$dir" "$root/$name.log" "$@" <<'PY'
import os, resource, subprocess, sys, time
dir, log, args = sys.argv[1], sys.argv[2], sys.argv[3:]
env = dict(os.environ, CARGO_TARGET_DIR=dir)
start = time.monotonic()
with open(log, "w") as out:
    subprocess.run(["cargo", "build", "-q", "-p", "amocrm", "--timings", *args],
                   env=env, stderr=out, check=True)
wall = time.monotonic() - start
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.1f} {ru.ru_utime + ru.ru_stime:.1f}")
PY
)
  printf '| %s | `cargo build -p amocrm %s` | %s | %s | %s | %s |\n' "$name" "$*" "$run" \
    ${times} "$(cut -d' ' -f1-3 /proc/loadavg)"
  cp "$dir"/cargo-timings/cargo-timing.html "$root/$name-timing.html" 2>/dev/null || true
}

cargo fetch -q >/dev/null 2>&1 || true
has_tls=$(grep -q '^rustls' crates/amocrm/Cargo.toml && echo yes || echo no)
for run in $(seq "${REPEATS:-2}"); do
  if [ "$has_tls" = yes ]; then build no-tls "$run" --no-default-features; fi
  build default "$run"
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
