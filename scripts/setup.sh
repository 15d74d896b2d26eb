#!/usr/bin/env bash
# One command for a fresh machine: installs what is missing, then runs the demo or the tests.
#   bash scripts/setup.sh demo    # set up and run the demo (the main job)
#   bash scripts/setup.sh test    # set up and run every test
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-demo}"
case "$what" in demo|test|bench) ;; *) echo "usage: bash scripts/setup.sh demo|test|bench" >&2; exit 2 ;; esac
say() { echo "[setup] $*"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# 1. Bun, from the npm registry.
if ! command -v bun >/dev/null 2>&1; then
  if command -v npm >/dev/null 2>&1; then
    say "installing Bun 1.4.5 from the npm registry"
    npm install -g bun@1.4.5 >/dev/null 2>&1 || { say "npm could not install Bun globally (permissions?): run 'sudo npm install -g bun@1.4.5' or see https://bun.sh"; exit 1; }
  else
    say "Bun is missing and there is no npm to install it with: install Node.js (brings npm) or Bun (https://bun.sh), then run this again"; exit 1
  fi
fi

# 2. System packages: ffmpeg and espeak-ng render videos, redis-server backs the queue when none runs,
#    PostgreSQL backs the tests when none runs (the demo embeds its own), DejaVu fonts for titles.
#    The operations tests (suite "ops") also start private PostgreSQL clusters and Redis Sentinel sets,
#    and run pgBackRest, promtool (prometheus) and amtool (prometheus-alertmanager).
need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || need+=(fonts-dejavu-core)
if [ -z "${REDIS_URL:-}" ] && ! port_open 6379 && ! command -v redis-server >/dev/null 2>&1; then need+=(redis-server); fi
# The web app's browser tests drive Debian's Chromium (playwright-core never downloads a browser here).
if [ "$what" = test ] && [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then need+=(chromium); fi
# The restore drill runs its own private cluster, so the tests need the server binaries even when a server answers.
if [ "$what" = test ] && ! command -v pg_ctl >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  need+=(postgresql)
fi
if [ "$what" = test ]; then
  command -v redis-server >/dev/null 2>&1 || [[ " ${need[*]} " == *" redis-server "* ]] || need+=(redis-server)
  command -v pgbackrest >/dev/null 2>&1 || need+=(pgbackrest)
  command -v promtool >/dev/null 2>&1 || need+=(prometheus)
  command -v amtool >/dev/null 2>&1 || need+=(prometheus-alertmanager)
fi
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    say "installing ${need[*]} with apt-get"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    say "installing ${need[*]} with sudo apt-get"
    sudo apt-get update -qq >/dev/null
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    say "cannot install ${need[*]} here (not root, no apt-get or no sudo): install them with your package manager (macOS: brew install ffmpeg espeak-ng redis postgresql@15 pgbackrest prometheus alertmanager, and Chromium with CHROMIUM_PATH set), then run this again"
    exit 1
  fi
fi

# 3. JavaScript packages, exactly as locked.
bun install --frozen-lockfile

exec bun run "$what"
