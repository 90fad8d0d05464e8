#!/usr/bin/env bash
# Installs the Debian packages the local stack runs (riskstream stack up calls this too, so CI and laptops
# share one list). Idempotent: a package is installed only when its binary is missing.
#
#   cli/stack/install-system-deps.sh                     install whatever is missing
#   cli/stack/install-system-deps.sh --check             list what is missing, exit 1 if anything is
#   cli/stack/install-system-deps.sh --with-test-tools   also what only the tests use (.ci/run passes it)
#
# Each line is "<binary> <debian package>". Java 17 and Maven fetch and run Kafka and the Apicurio registry.
# redis-server is listed because the stack starts its own Redis when none answers on REDIS_URL; like every
# other entry it is skipped when the binary already exists. TEST_PACKAGES are not part of the stack and
# come only with --with-test-tools: chromium, in which the drift report's test renders the page (headless,
# through playwright-core).
set -euo pipefail

check=false
with_test_tools=false
for arg in "$@"; do
  case "$arg" in
    --check) check=true ;;
    --with-test-tools) with_test_tools=true ;;
    *) echo "install-system-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done

PACKAGES=(
  "java openjdk-17-jre-headless"
  "mvn maven"
  "prometheus prometheus"
  "prometheus-alertmanager prometheus-alertmanager"
  "promtool prometheus"
  "kcat kcat"
  "redis-server redis-server"
)
TEST_PACKAGES=(
  "chromium chromium"
)
if [[ "$with_test_tools" == true ]]; then PACKAGES+=("${TEST_PACKAGES[@]}"); fi

missing=()
for entry in "${PACKAGES[@]}"; do
  read -r binary package <<<"$entry"
  if ! command -v "$binary" >/dev/null 2>&1; then
    case " ${missing[*]-} " in *" $package "*) ;; *) missing+=("$package") ;; esac
  fi
done

if [[ "$check" == true ]]; then
  if ((${#missing[@]} > 0)); then printf '%s\n' "${missing[@]}"; exit 1; fi
  exit 0
fi

if ((${#missing[@]} == 0)); then
  exit 0
fi

SUDO=()
if [[ "$(id -u)" != "0" ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo -n); else
    echo "install-system-deps: need root (or passwordless sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

# The Debian packages ship services that would start on the very ports the stack uses (9090, 9093, 6379).
# A policy-rc.d that exits 101 tells invoke-rc.d/deb-systemd-invoke not to start them; we only add one
# when the host has none, and remove it again afterwards. (On a systemd host the units are still enabled
# and would start at the next boot; CI machines do not reboot.)
POLICY=/usr/sbin/policy-rc.d
added_policy=0
if [[ ! -e "$POLICY" ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
  "${SUDO[@]}" chmod 755 "$POLICY"
  added_policy=1
fi
cleanup() { if ((added_policy)); then "${SUDO[@]}" rm -f "$POLICY"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
echo "install-system-deps: installing ${missing[*]}" >&2
# A stale package index (fresh container, old CI image) is the usual failure; refresh once and retry.
if ! "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
  "${SUDO[@]}" apt-get update -q >&2
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
