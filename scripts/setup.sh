#!/usr/bin/env bash
# Installs the Debian packages kenchi builds and tests with, when missing.
# Idempotent and quick when everything is there: it only asks dpkg.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build: compiler, libraries. Test oracles and peers: tcpdump, tshark, the
# scanners run against our own namespaces, zip/7z for mail fixtures,
# PostgreSQL for the central store.
packages=(
  gcc make pkg-config clang libclang-rt-14-dev
  libpcap-dev libzstd-dev libisal-dev zlib1g-dev zstd gzip libsqlite3-dev sqlite3 libjansson-dev
  libgmime-3.0-dev libarchive-dev libmicrohttpd-dev libpq-dev libssl-dev
  libmagic-dev libfuzzy-dev
  tcpdump tshark tcpreplay masscan zmap nmap hping3 iproute2
  zip p7zip-full postgresql
  jq time
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "kenchi setup: missing Debian packages: ${missing[*]}" >&2
  echo "kenchi setup: run as root, or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "kenchi setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
