#!/bin/sh
# mento --demo in a real terminal (tmux): the directory arrives, a filter
# applies, the window is resized to too small and back, and q quits with the
# demo server stopped. TAP output; skipped when tmux is missing.
# Needs MENTO and MENTOD (the built programs).
set -u
if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux is not installed"
    exit 0
fi
echo "1..5"
dir=$(mktemp -d /tmp/mento-tmux-XXXXXX)
sock="mento-test-$$"
t() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() { t kill-server >/dev/null 2>&1; rm -rf "$dir"; }
trap cleanup EXIT
screen() { t capture-pane -p -t mento; }
# Wait up to $2 seconds for the screen to contain $1.
wait_for() {
    i=0
    while [ "$i" -lt $(( $2 * 10 )) ]; do
        if screen | grep -q -- "$1"; then return 0; fi
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
ok() { if [ "$1" -eq 0 ]; then echo "ok $2 - $3"; else echo "not ok $2 - $3"; screen | sed 's/^/# /'; fi; }

t new-session -d -s mento -x 100 -y 30 \
    "env LANG=C.UTF-8 TERM=screen-256color XDG_CONFIG_HOME=$dir/c XDG_DATA_HOME=$dir/d \
     XDG_STATE_HOME=$dir/s TMPDIR=$dir MENTOD=$MENTOD $MENTO --demo; sleep 30"
wait_for "of [0-9]* · by score" 60
ok $? 1 "the demo directory is on screen in a real terminal"

t send-keys -t mento / n a i r o b i Enter
wait_for '"nairobi"' 10
ok $? 2 "a filter typed in the terminal applies"

t resize-window -t mento -x 70 -y 20
wait_for "Terminal too small: 70x20" 10
ok $? 3 "a window too small says so"

t resize-window -t mento -x 100 -y 30
wait_for '"nairobi"' 10
r=$?
if screen | grep -q "too small"; then r=1; fi
ok $r 4 "back to a large window, the screen is whole again"

t send-keys -t mento q
i=0
gone=1
while [ "$i" -lt 100 ]; do
    if ! pgrep -f "port-file $dir" >/dev/null 2>&1; then
        if ! ls "$dir"/mento-demo-* >/dev/null 2>&1; then gone=0; break; fi
    fi
    sleep 0.1
    i=$((i + 1))
done
[ "$gone" -eq 0 ] || { ls -la "$dir" | sed "s/^/# /"; pgrep -af mentod | sed "s/^/# /"; }
ok $gone 5 "q quits and the demo server stops with its files"
