#!/usr/bin/env bash
# Installs the Debian packages the tests need and starts the services they use; does nothing for what is there.
#   bash scripts/services.sh           install what is missing, start what is not running (as root)
#   bash scripts/services.sh --check   only check; exit 1 listing what is missing
# Not root, or --check: prints which packages to install and which services to start, and exits 1 if any.
# memcached and etcd are installed only: their tests start private servers on free ports.
set -euo pipefail

check=0
case "${1:-}" in
  --check) check=1 ;;
  '') ;;
  *) echo "usage: bash scripts/services.sh [--check]" >&2; exit 2 ;;
esac

# Debian package of each tool the tests run: private servers (memcached, etcd), proxy tests (haproxy),
# independent WebSocket and HTTP/2 clients (python3-websockets, python3-wsproto, python3-h2, nghttp2-client,
# curl), the browser for page tests (chromium), and the shared services' own packages for a machine that has none.
packages=(memcached etcd-server haproxy curl chromium python3-websockets python3-wsproto python3-h2 nghttp2-client
  postgresql redis-server mariadb-server)

# name | TCP port on 127.0.0.1 | the command that starts it (run as root)
services=(
  "PostgreSQL|5432|pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start"
  "Redis|6379|redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
  "MariaDB|3306|start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd"
)

installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]; }
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { # name port: up to 60 s for a starting server to accept connections
  for _ in $(seq 1 120); do answers "$2" && return 0; sleep 0.5; done
  echo "services.sh: $1 did not answer on 127.0.0.1:$2 within 60 s" >&2
  return 1
}

missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done

if (( ${#missing[@]} > 0 )); then
  if (( check == 1 || EUID != 0 )); then
    echo "services.sh: missing Debian packages; as root run:"
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  else
    echo "services.sh: installing ${missing[*]}"
    # No package starts its own daemon here (memcached and etcd run privately in the tests).
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
      chmod +x /usr/sbin/policy-rc.d
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
    missing=()
  fi
fi

down=()
for s in "${services[@]}"; do
  IFS='|' read -r name port start <<< "$s"
  answers "$port" && continue
  if (( check == 1 || EUID != 0 )); then
    down+=("$name")
    echo "services.sh: $name is not running on 127.0.0.1:$port; as root start it with:"
    echo "  $start"
  else
    echo "services.sh: starting $name"
    bash -c "$start" > /dev/null
    wait_for "$name" "$port"
  fi
done

if (( ${#missing[@]} > 0 || ${#down[@]} > 0 )); then exit 1; fi
echo "services.sh: packages installed (${packages[*]}); PostgreSQL, Redis, MariaDB running"
