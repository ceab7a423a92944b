#!/usr/bin/env bash
# The Debian packages the tests drive, installed only when missing (a second run costs
# nothing): chromium for the browser tests, postgresql's server binaries for the suite's
# PostgreSQL half (the tests start a throw-away cluster of their own; nothing is configured in
# the package). Without root or sudo it says what it could not install; those tests then skip.
set -uo pipefail

apt_install() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null && sudo -n true 2>/dev/null || {
            echo "$* not installed (needs root): those tests will skip" >&2; return 0; }
        sudo="sudo -n"
    fi
    echo "installing $* with apt…" >&2
    export DEBIAN_FRONTEND=noninteractive
    # the package lists are refreshed only when installing from the current ones fails
    $sudo apt-get install -y -q --no-install-recommends "$@" >/dev/null \
        || { $sudo apt-get update -q >/dev/null \
             && $sudo apt-get install -y -q --no-install-recommends "$@" >/dev/null; } \
        || echo "could not install $*: those tests will skip" >&2
}

[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || apt_install chromium
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || apt_install postgresql
exit 0
