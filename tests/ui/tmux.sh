#!/bin/sh
# mento --demo in a real terminal (tmux): the directory arrives, a filter
# applies, the window is resized to too small and back; the demo mentee asks
# the demo mentor, q quits with the demo server stopped; the demo continued
# as the mentor (--as mentor), who accepts; the mentee sees the pairing; and
# --reset starts the demo afresh. TAP output; skipped when tmux is missing.
# Needs MENTO and MENTOD (the built programs).
set -u
if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux is not installed"
    exit 0
fi
echo "1..9"
dir=$(mktemp -d /tmp/mento-tmux-XXXXXX)
sock="mento-test-$$"
t() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() { t kill-server >/dev/null 2>&1; rm -rf "$dir"; }
trap cleanup EXIT
win=mento
screen() { t capture-pane -p -t "$win"; }
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
# Wait as wait_for does; on failure, r=1 and say what was awaited.
step() { wait_for "$1" "$2" || { r=1; echo "# waited in vain for: $1"; }; }
ok() { if [ "$1" -eq 0 ]; then echo "ok $2 - $3"; else echo "not ok $2 - $3"; screen | sed 's/^/# /'; fi; }
# Start `mento --demo` with the options given, in a window of its own.
demo() {
    win=$1
    shift
    t new-session -d -s "$win" -x 100 -y 30 \
        "env LANG=C.UTF-8 TERM=screen-256color XDG_CONFIG_HOME=$dir/c XDG_DATA_HOME=$dir/d \
         XDG_STATE_HOME=$dir/s TMPDIR=$dir MENTOD=$MENTOD $MENTO --demo $*; sleep 30"
}
# Quit with q and wait until no demo server of this test runs any more.
quit() {
    t send-keys -t "$win" q
    i=0
    while [ "$i" -lt 100 ]; do
        if ! pgrep -f "port-file $dir" >/dev/null 2>&1 && [ ! -e "$dir/s/mento/demo/server.pid" ]
        then return 0; fi
        sleep 0.1
        i=$((i + 1))
    done
    pgrep -af mentod | sed "s/^/# /"
    return 1
}

demo mentee
wait_for "of [0-9]* · by score" 120
ok $? 1 "the demo directory is on screen in a real terminal"

t send-keys -t "$win" / n a i r o b i Enter
wait_for '"nairobi"' 10
ok $? 2 "a filter typed in the terminal applies"

t resize-window -t "$win" -x 70 -y 20
wait_for "Terminal too small: 70x20" 10
ok $? 3 "a window too small says so"

t resize-window -t "$win" -x 100 -y 30
wait_for '"nairobi"' 10
r=$?
if screen | grep -q "too small"; then r=1; fi
ok $r 4 "back to a large window, the screen is whole again"

# The demo mentee asks the demo mentor, Élodie Lefèvre, found by name; each
# key waits for what the one before it shows.
r=0
t send-keys -t "$win" c
step "All mentors" 20
t send-keys -t "$win" /
step "Look for:" 20
t send-keys -t "$win" -l "elodie lefevre"
t send-keys -t "$win" Enter
step '"elodie lefevre"' 20
# Her row (the directory may still be arriving in pages).
step "Élodie Lefèvre  " 120
t send-keys -t "$win" w
step "added to your wish-list" 20
t send-keys -t "$win" 2
step "1. Élodie Lefèvre" 20
t send-keys -t "$win" r
step "Kind" 20
t send-keys -t "$win" Enter
step "Send the request?" 20
t send-keys -t "$win" y
step "Open: mentoring request to Élodie Lefèvre" 30
ok $r 5 "the demo mentee sends a request to the demo mentor"

quit
ok $? 6 "q quits and the demo server stops"

demo mentor --as mentor
wait_for "of [0-9]* · by score" 120
t send-keys -t "$win" 3
wait_for "Nguyễn Thị Mai asks you for mentoring" 60
r=$?
t send-keys -t "$win" a
wait_for "Accept the request?" 20
t send-keys -t "$win" y
wait_for "Nguyễn Thị Mai .*mentoring .*mentor since" 20 || r=1
ok $r 7 "the demo continued as the mentor: the request is in the inbox, accepted"
quit

demo mentee2
wait_for "of [0-9]* · by score" 120
t send-keys -t "$win" 3
wait_for "Élodie Lefèvre .*mentoring .*mentee since" 60
ok $? 8 "the mentee's next demo shows the pairing"
quit

demo reset --reset
wait_for "of [0-9]* · by score" 120
t send-keys -t "$win" 2
wait_for "Empty. Add mentors" 60
ok $? 9 "--reset starts the demo afresh"
quit
