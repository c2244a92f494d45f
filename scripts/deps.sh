#!/bin/sh
# Install the Debian 12 packages mento needs to build, test and benchmark,
# and only those that are missing. Uses sudo when not run as root.
set -eu

PACKAGES="gcc pkg-config meson ninja-build python3 tzdata
libmicrohttpd-dev libsqlite3-dev libcjson-dev libsodium-dev libcurl4-openssl-dev
libncurses-dev zlib1g-dev libical-dev libcmocka-dev tmux wrk valgrind python3-aiosmtpd sqlite3 curl"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "Installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "These packages are missing and this is not root (no sudo):$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
