#!/usr/bin/env bash
# Lightbox in CI: the flow a test lab copies.
#
#   1. start Lightbox headless (or use one already running: LIGHTBOX_URL), wait for /healthz
#   2. arm a test-lab scenario (optional: --scenario NAME)
#   3. note the time, run the system under test (everything after --)
#   4. wait until its associations ended, its print jobs finished and its films were rendered
#   5. fetch the conformance verdict (JUnit XML for the CI's test report, and JSON), judged
#      against the scenarios' expectations over the whole run (what the SUT did after the faults:
#      retries, release, no half-empty or duplicate film...), the print jobs, the printers'
#      status, the faults that fired, and every film (film.png, render.json)
#   6. stop Lightbox if this script started it
#   7. exit non-zero when the verdict has findings at or above --fail-on (default: errors)
#
# Usage:
#   scripts/lab-ci-example.sh [options] -- COMMAND [ARGS...]
#
#   scripts/lab-ci-example.sh -- dcmprscu -c dcmpstat.cfg -p LIGHTBOX job.dcm
#   scripts/lab-ci-example.sh --scenario queue-full --calling-ae MY_MODALITY -- ./print-test.sh
#
# Options:
#   --scenario NAME     arm this scenario from scenarios/ before the run, and judge the run by
#                       its expectations (repeatable); the fault's own effects are info
#   --printer AE        arm the scenarios on this printer only (default: as the scenario says)
#   --calling-ae AE     count only this AE title's associations, jobs and films
#   --out DIR           where everything is written (default: lightbox-results)
#   --junit FILE        the JUnit XML report (default: OUT/lightbox-junit.xml)
#   --fail-on LEVEL     error (default), warning or info: the least severe finding that fails
#   --settle SECONDS    how long to wait for jobs and renders after the command (default: 60)
#   --ignore-sut-exit   do not fail when the command itself exits non-zero
#   --golden DIR        compare each film's density map with a golden one: DIR's *.png (density.png
#                       files of earlier, approved runs), in name order, against the films in print
#                       order (POST /api/films/{id}/diff); a difference above the thresholds, or
#                       another number of films than goldens, fails the build. Each film's
#                       density.png is saved under OUT/films/<id>/ to approve as the next goldens
#   --golden-thresholds MEAN/P95/MAX   in OD (default 0.02/0.05/0.3)
#
# Environment:
#   LIGHTBOX_URL        use this running Lightbox (e.g. http://lightbox:8080) instead of starting one
#   LIGHTBOX_API_TOKEN  bearer token for arming scenarios (generated when this script starts Lightbox)
#   LIGHTBOX_HOME       where Lightbox is installed (default: this script's repository)
#   LIGHTBOX_MAIN       its entry point, absolute or in LIGHTBOX_HOME (default: dist/src/main.js)
#   LIGHTBOX_START_TIMEOUT  seconds to wait for /healthz (default: 30)
#   LIGHTBOX_DICOM_PORT, LIGHTBOX_HTTP_PORT, LIGHTBOX_HOST, LIGHTBOX_DATA_DIR and every other
#                       LIGHTBOX_* setting of the README's Configuration table: read by the Lightbox
#                       this script starts (defaults here: 11112, 8080, 127.0.0.1, a temporary dir)
#
# Exit status: 0 the verdict passed; 1 findings (or no association at all from the system under
# test); 2 usage or Lightbox trouble (did not start, API error); 3 the command failed.
#
# Needs bash, curl and node (used here to read JSON, so no jq; any version). Lightbox itself runs on
# Node >= 24.15: the machine's node when it is that recent, else the one npm ci installed in
# LIGHTBOX_HOME/node_modules/.bin.
set -euo pipefail

log() { printf 'lab-ci: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 2
}
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

# ---- options --------------------------------------------------------------------------------
scenarios=()
printer=""
calling_ae=""
out="lightbox-results"
junit=""
fail_on="error"
settle=60
ignore_sut_exit=0
golden=""
golden_thresholds="0.02/0.05/0.3"
need() { [ $# -ge 2 ] || die "$1 needs a value (see --help)"; }
while [ $# -gt 0 ]; do
  case "$1" in
  --scenario) need "$@" && scenarios+=("$2") && shift 2 ;;
  --printer) need "$@" && printer=$2 && shift 2 ;;
  --calling-ae) need "$@" && calling_ae=$2 && shift 2 ;;
  --out) need "$@" && out=$2 && shift 2 ;;
  --junit) need "$@" && junit=$2 && shift 2 ;;
  --fail-on) need "$@" && fail_on=$2 && shift 2 ;;
  --settle) need "$@" && settle=$2 && shift 2 ;;
  --ignore-sut-exit) ignore_sut_exit=1 && shift ;;
  --golden) need "$@" && golden=$2 && shift 2 ;;
  --golden-thresholds) need "$@" && golden_thresholds=$2 && shift 2 ;;
  -h | --help) usage && exit 0 ;;
  --) shift && break ;;
  *) die "unknown option $1 (the system under test goes after --; see --help)" ;;
  esac
done
[ $# -gt 0 ] || die "no command to run: put the system under test after -- (see --help)"
case "$fail_on" in error | warning | info) ;; *) die "--fail-on must be error, warning or info" ;; esac
[[ "$settle" =~ ^[0-9]+$ ]] || die "--settle must be a whole number of seconds"
if [ -n "$golden" ]; then
  [ -d "$golden" ] || die "--golden $golden: no such directory"
  golden=$(cd "$golden" && pwd)
  [[ "$golden_thresholds" =~ ^[0-9.]+/[0-9.]+/[0-9.]+$ ]] || die "--golden-thresholds must be MEAN/P95/MAX in OD, e.g. 0.02/0.05/0.3"
fi
junit=${junit:-$out/lightbox-junit.xml}
mkdir -p "$out/films" "$(dirname "$junit")"

# ---- helpers --------------------------------------------------------------------------------

# js FILE EXPRESSION: evaluate a JavaScript expression over the JSON in FILE (named d), print it.
js() {
  node -e '
    const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const v = new Function("d", `return (${process.argv[2]});`)(d);
    console.log(typeof v === "string" ? v : JSON.stringify(v));
  ' "$1" "$2"
}

# api METHOD PATH [curl options...]: one request to the HTTP API; the body on stdout; fails
# (with the body on stderr) on an HTTP error.
api() {
  local method=$1 path=$2 body
  shift 2
  local auth=()
  if [ -n "${LIGHTBOX_API_TOKEN:-}" ]; then auth=(-H "Authorization: Bearer $LIGHTBOX_API_TOKEN"); fi
  # A control request (any method but GET) declares JSON: without a token, Lightbox refuses a POST
  # that does not (a web page could send it cross-site).
  if [ "$method" != GET ]; then auth+=(-H 'content-type: application/json'); fi
  if ! body=$(curl -sS --fail-with-body --max-time 30 -X "$method" ${auth[@]+"${auth[@]}"} "$@" \
    "$LIGHTBOX_URL$path"); then
    log "$method $path failed: $body"
    return 1
  fi
  printf '%s\n' "$body"
}

# The same filter on every list: since the run started, and this SUT only when asked. Lists come
# a page at a time; one page of the largest size (1000) covers a CI run, and a longer one is said.
filter=()
get_list() {
  local headers
  headers=$(mktemp)
  api GET "$1" -G ${filter[@]+"${filter[@]}"} --data-urlencode limit=1000 -D "$headers" "${@:2}" || {
    rm -f "$headers"
    return 1
  }
  if grep -qi '^x-next-cursor:' "$headers"; then log "$1: more than 1000 entries since the start; reporting the first 1000"; fi
  rm -f "$headers"
}

# ---- 1. Lightbox ----------------------------------------------------------------------------
started_pid=""
tmp_data=""
armed=()
cleanup() {
  local status=$?
  # Against a shared Lightbox, disarm what this run armed (a fault's effects, such as a printer
  # left in FAILURE by a film jam, stay: that is what a real printer does).
  if [ -z "$started_pid" ]; then
    for id in ${armed[@]+"${armed[@]}"}; do api DELETE "/api/lab/faults/$id" >/dev/null || true; done
  fi
  if [ -n "$started_pid" ] && kill -0 "$started_pid" 2>/dev/null; then
    log "stopping Lightbox (pid $started_pid)"
    kill -TERM "$started_pid" 2>/dev/null || true
    # SIGTERM: open associations get --shutdown-grace (10 s), then Lightbox exits 0.
    for _ in $(seq 1 300); do kill -0 "$started_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$started_pid" 2>/dev/null || true
    wait "$started_pid" 2>/dev/null || true
  fi
  if [ -n "$tmp_data" ]; then rm -rf "$tmp_data"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "${LIGHTBOX_URL:-}" ]; then
  LIGHTBOX_URL=${LIGHTBOX_URL%/}
  log "using the Lightbox at $LIGHTBOX_URL"
else
  home=${LIGHTBOX_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
  main=${LIGHTBOX_MAIN:-dist/src/main.js}
  host=${LIGHTBOX_HOST:-127.0.0.1}
  dicom_port=${LIGHTBOX_DICOM_PORT:-11112}
  http_port=${LIGHTBOX_HTTP_PORT:-8080}
  data_dir=${LIGHTBOX_DATA_DIR:-}
  if [ -z "$data_dir" ]; then
    tmp_data=$(mktemp -d)
    data_dir=$tmp_data
  fi
  # Arming scenarios is a control request: with this token it is accepted from wherever the script
  # runs. The token stays in the environment (Lightbox reads LIGHTBOX_API_TOKEN), out of ps.
  if [ -z "${LIGHTBOX_API_TOKEN:-}" ]; then
    LIGHTBOX_API_TOKEN=$(node -e 'console.log(require("crypto").randomBytes(18).toString("base64url"))')
  fi
  export LIGHTBOX_API_TOKEN
  # Run from LIGHTBOX_HOME, so ./printers and ./scenarios are found as with `npm start`, and on the
  # Node 24 that npm ci installed there (node_modules/.bin/node) when the machine has an older node.
  (cd "$home" && export PATH="$PWD/node_modules/.bin:$PATH" && exec node --max-semi-space-size=2 --initial-old-space-size=64 "$main" --host "$host" --dicom-port "$dicom_port" --http-port "$http_port" \
    --data-dir "$data_dir") >"$out/lightbox.log" 2>&1 &
  started_pid=$!
  case "$host" in 0.0.0.0 | :: | '') host=127.0.0.1 ;; esac
  [[ "$host" == *:* ]] && host="[$host]"
  LIGHTBOX_URL="http://$host:$http_port"
  log "started Lightbox (pid $started_pid): DICOM on port $dicom_port, HTTP at $LIGHTBOX_URL, log $out/lightbox.log"
fi

# 200 from /healthz once the DICOM listener is up.
deadline=$((SECONDS + ${LIGHTBOX_START_TIMEOUT:-30}))
until curl -sf --max-time 2 "$LIGHTBOX_URL/healthz" >/dev/null 2>&1; do
  if [ -n "$started_pid" ] && ! kill -0 "$started_pid" 2>/dev/null; then
    tail -n 20 "$out/lightbox.log" >&2 || true
    started_pid=""
    die "Lightbox exited during start-up (log: $out/lightbox.log)"
  fi
  [ "$SECONDS" -lt "$deadline" ] || die "no answer from $LIGHTBOX_URL/healthz within ${LIGHTBOX_START_TIMEOUT:-30} s"
  sleep 0.1
done

# ---- 2. scenarios ---------------------------------------------------------------------------
for name in ${scenarios[@]+"${scenarios[@]}"}; do
  query=()
  if [ -n "$printer" ]; then query=(-G --data-urlencode "printer=$printer"); fi
  api POST "/api/lab/scenarios/$name" ${query[@]+"${query[@]}"} >"$out/scenario-$name.json" ||
    die "could not arm scenario $name"
  # shellcheck disable=SC2207 # fault ids are f<digits>, no spaces
  armed+=($(js "$out/scenario-$name.json" 'd.armed.map((f) => f.id).join(" ")'))
  log "armed scenario $name: $(js "$out/scenario-$name.json" 'd.armed.length') fault(s)"
done

# ---- 3. the system under test ---------------------------------------------------------------
# The start of the run: every list below is "since" it. Lightbox and this script should share a
# clock (same host, or NTP); --calling-ae narrows further.
since=$(node -e 'console.log(new Date().toISOString())')
filter=(--data-urlencode "since=$since")
if [ -n "$calling_ae" ]; then filter+=(--data-urlencode "callingAe=$calling_ae"); fi
# The verdict judges the run against the armed scenarios' expectations (what the SUT did next).
judge=()
for name in ${scenarios[@]+"${scenarios[@]}"}; do judge+=(--data-urlencode "scenario=$name"); done
log "running the system under test: $*"
set +e
"$@" 2>&1 | tee "$out/sut.log"
sut_status=${PIPESTATUS[0]}
set -e
log "the system under test exited with status $sut_status"

# ---- 4. wait for the dust to settle ---------------------------------------------------------
# Associations ended (a verdict is final only then), jobs DONE or FAILURE, films rendered.
deadline=$((SECONDS + settle))
while :; do
  get_list /api/verdicts ${judge[@]+"${judge[@]}"} >"$out/verdicts.json" || die "GET /api/verdicts failed"
  get_list /api/jobs >"$out/jobs.json" || die "GET /api/jobs failed"
  get_list /api/films >"$out/films.json" || die "GET /api/films failed"
  busy=$(
    node -e '
      const [v, j, f] = process.argv.slice(1).map((p) => JSON.parse(require("fs").readFileSync(p, "utf8")));
      const n = (xs, busy) => xs.filter(busy).length;
      const open = n(v.verdicts, (x) => !x.complete);
      const jobs = n(j, (x) => x.status === "PENDING" || x.status === "PRINTING");
      const films = n(f, (x) => x.render === "pending");
      if (open + jobs + films) console.log(`${open} association(s) open, ${jobs} job(s) printing, ${films} film(s) rendering`);
    ' "$out/verdicts.json" "$out/jobs.json" "$out/films.json"
  ) || die "unexpected answers from the API (see $out/*.json)"
  [ -z "$busy" ] && break
  if [ "$SECONDS" -ge "$deadline" ]; then
    log "still $busy after --settle $settle s: reporting what there is"
    break
  fi
  sleep 0.2
done

# ---- 5. verdict, jobs, printers, films ------------------------------------------------------
get_list /api/verdicts ${judge[@]+"${judge[@]}"} --data-urlencode format=junit --data-urlencode "failOn=$fail_on" >"$junit" ||
  die "GET /api/verdicts?format=junit failed"
api GET /api/printers >"$out/printers.json" || die "GET /api/printers failed"
api GET /api/lab/faults >"$out/faults.json" || die "GET /api/lab/faults failed"

for id in $(js "$out/films.json" 'd.map((f) => f.id).join(" ")'); do
  mkdir -p "$out/films/$id"
  render=$(js "$out/films.json" "d.find((f) => f.id === '$id').render")
  if [ "$render" = rendered ]; then api GET "/api/films/$id/film.png" -o "$out/films/$id/film.png" >/dev/null; fi
  if [ "$render" != pending ]; then api GET "/api/films/$id/render.json" >"$out/films/$id/render.json"; fi
done

node -e '
  const read = (p) => JSON.parse(require("fs").readFileSync(p, "utf8"));
  const [v, jobs, films, printers] = process.argv.slice(1).map(read);
  const say = (s) => console.error(`lab-ci: ${s}`);
  say(`verdict ${v.verdict}: ${v.associations} association(s), ${v.counts.error} error(s), ${v.counts.warning} warning(s), ${v.counts.info} info`);
  for (const a of v.verdicts)
    for (const f of a.findings)
      say(`  ${f.severity} ${a.association} ${f.rule}${f.message ? ` (${f.message.type} #${f.message.index})` : ""}: ${f.detail ?? ""}${f.fault ? ` [lab fault ${f.fault}]` : ""}`);
  for (const x of v.expectations ?? []) say(`expectation ${x.id} ${x.result}: ${x.description} (${x.detail})`);
  for (const a of v.verdicts)
    for (const j of a.jobs ?? [])
      if (j.endedAfterRelease) say(`  job ${j.uid} of ${a.association} ended ${j.status}${j.statusInfo ? ` (${j.statusInfo})` : ""} after the association was released`);
  for (const j of jobs) say(`job ${j.uid} ${j.status}${j.statusInfo ? ` (${j.statusInfo})` : ""}: ${j.films.length} film(s)`);
  say(`${films.length} film(s) printed`);
  for (const p of printers) if (p.status !== "NORMAL") say(`printer ${p.aeTitle} is ${p.status} (${p.statusInfo})`);
' "$out/verdicts.json" "$out/jobs.json" "$out/films.json" "$out/printers.json"
log "reports: $junit, $out/verdicts.json; films in $out/films/"

# ---- 5b. against the goldens ----------------------------------------------------------------
golden_failures=0
if [ -n "$golden" ]; then
  goldens=()
  while IFS= read -r g; do goldens+=("$g"); done < <(find "$golden" -maxdepth 1 -name '*.png' -type f | LC_ALL=C sort)
  # shellcheck disable=SC2207 # film ids have no spaces
  film_ids=($(js "$out/films.json" 'd.filter((f) => f.render === "rendered").map((f) => f.id).join(" ")'))
  if [ "${#goldens[@]}" != "${#film_ids[@]}" ]; then
    log "FAIL: ${#film_ids[@]} rendered film(s), ${#goldens[@]} golden(s) in $golden"
    golden_failures=$((golden_failures + 1))
  fi
  IFS=/ read -r g_mean g_p95 g_max <<<"$golden_thresholds"
  for i in "${!film_ids[@]}"; do
    id=${film_ids[$i]}
    api GET "/api/films/$id/density.png" -o "$out/films/$id/density.png" >/dev/null || die "GET density.png of $id failed"
    [ "$i" -lt "${#goldens[@]}" ] || continue
    g=${goldens[$i]}
    node -e '
      const [file, mean, p95, max] = process.argv.slice(1);
      process.stdout.write(JSON.stringify({ densityPng: require("fs").readFileSync(file).toString("base64"),
        thresholds: { mean: Number(mean), p95: Number(p95), max: Number(max) } }));
    ' "$g" "$g_mean" "$g_p95" "$g_max" >"$out/films/$id/diff-request.json"
    api POST "/api/films/$id/diff" --data-binary "@$out/films/$id/diff-request.json" >"$out/films/$id/diff.json" ||
      die "POST /api/films/$id/diff failed"
    rm -f "$out/films/$id/diff-request.json"
    summary=$(js "$out/films/$id/diff.json" '
      d.comparable ? `${d.pass ? "same" : "DIFFERS"}: mean ${d.whole.mean} p95 ${d.whole.p95} max ${d.whole.max} OD` +
        d.boxes.filter((b) => !b.pass).map((b) => `; ${b.name} mean ${b.mean} p95 ${b.p95} max ${b.max}`).join("")
      : `DIFFERS: ${d.reason}`')
    log "film $id against $(basename "$g"): $summary"
    if [ "$(js "$out/films/$id/diff.json" 'd.pass')" != true ]; then golden_failures=$((golden_failures + 1)); fi
  done
fi

# ---- 6. and 7. the build's verdict (the EXIT trap stops Lightbox) ---------------------------
if [ "$(js "$out/verdicts.json" 'd.associations')" = 0 ]; then
  log "FAIL: no association from the system under test since $since"
  exit 1
fi
failing=$(js "$out/verdicts.json" "
  ({ error: d.counts.error, warning: d.counts.error + d.counts.warning,
     info: d.counts.error + d.counts.warning + d.counts.info })['$fail_on']")
if [ "$failing" != 0 ]; then
  log "FAIL: $failing finding(s) at or above $fail_on"
  exit 1
fi
if [ "$golden_failures" != 0 ]; then
  log "FAIL: $golden_failures film(s) differ from the goldens in $golden"
  exit 1
fi
if [ "$sut_status" != 0 ] && [ "$ignore_sut_exit" = 0 ]; then
  log "FAIL: the system under test exited with status $sut_status (--ignore-sut-exit to allow)"
  exit 3
fi
log "PASS"
