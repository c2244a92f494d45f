#!/bin/sh
# mento --demo in a real terminal (tmux): the directory arrives, a filter
# applies, the window is resized to too small and back; the demo mentee asks
# the demo mentor, q quits with the demo server stopped; the demo continued
# as the mentor (--as mentor), who accepts; the mentee sees the pairing; and
# the notes of the demo (the mentee, offline, writes a note with an action
# item and shares it; online again it goes up; the mentor unlocks and reads
# it; the server's files hold no trace of its text); and --reset starts the
# demo afresh. TAP output; skipped when tmux is missing.
# Needs MENTO and MENTOD (the built programs).
set -u
if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux is not installed"
    exit 0
fi
echo "1..15"
dir=$(mktemp -d /tmp/mento-tmux-XXXXXX)
sock="mento-test-$$"
t() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() { t kill-server >/dev/null 2>&1; [ -n "${MENTO_TMUX_KEEP:-}" ] || rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 1' INT TERM
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

# ---- Notes in the demo ----
SENTENCE="Lighthouse plan for the move to Nairobi"
# A notes vault: Enter, the password twice, the recovery code read.
make_vault() {
    t send-keys -t "$win" 5
    step "No notes vault yet" 60
    t send-keys -t "$win" Enter
    step "Make your notes vault" 20
    t send-keys -t "$win" -l "$1"
    t send-keys -t "$win" Tab
    t send-keys -t "$win" -l "$1"
    t send-keys -t "$win" Enter
    step "Write down your recovery code" 120
    t send-keys -t "$win" Enter
    step "No notes yet" 20
    step "online │ 0 queued" 60
}
unlock() {
    t send-keys -t "$win" 5
    step "Your notes are locked" 60
    t send-keys -t "$win" Enter
    step "Unlock your notes" 20
    t send-keys -t "$win" -l "$1"
    t send-keys -t "$win" Enter
}

r=0
demo mentor3 --as mentor
step "of [0-9]* · by score" 120
make_vault "the mentor's notes password"
ok $r 9 "the demo mentor makes a notes vault"
quit

r=0
demo mentee3
step "of [0-9]* · by score" 120
make_vault "the mentee's notes password"
ok $r 10 "the demo mentee makes a notes vault"
quit

r=0
demo mentee4 --offline
step "of [0-9]* · by score" 60
unlock "the mentee's notes password"
step "No notes yet" 120
t send-keys -t "$win" a
step "A new note" 20
t send-keys -t "$win" Enter
step "new" 20
t send-keys -t "$win" -l "Before the second session"
t send-keys -t "$win" Enter
t send-keys -t "$win" -l "$SENTENCE"
t send-keys -t "$win" Enter
t send-keys -t "$win" -l "Send the draft CV"
t send-keys -t "$win" C-t
t send-keys -t "$win" C-s
step "Saved" 20
t send-keys -t "$win" Escape
step "Before the second session .*0/1 done" 20
t send-keys -t "$win" s
step "Share this note with Élodie Lefèvre?" 20
t send-keys -t "$win" y
step "Shared with Élodie Lefèvre" 20
step "offline.* [1-9][0-9]* queued" 10
ok $r 11 "offline, the demo mentee writes a note with an action item and shares it"
quit

# Online again, the notes opened: what waited for the link goes, and what
# waited for the keys (the shared version sealed with the pairing's key,
# after the server's answer to the first) goes after it.
r=0
demo mentee5
step "of [0-9]* · by score" 120
unlock "the mentee's notes password"
step "Before the second session .*shared" 60
step "online │ 0 queued" 120
ok $r 12 "online again, what was queued goes up"
quit

r=0
demo mentor4 --as mentor
step "of [0-9]* · by score" 120
unlock "the mentor's notes password"
step "Before the second session .*partner's" 120
t send-keys -t "$win" Enter
step "$SENTENCE" 20
ok $r 13 "the demo mentor unlocks the notes and reads the mentee's"
# Out of the note (in it, q is text), then quit.
t send-keys -t "$win" Escape
step "Notes · 1" 20
quit

# What the platform's operator has: the database, its WAL, the log.
r=0
b64=$(printf '%s' "$SENTENCE" | base64 -w0 | cut -c1-24)
for f in "$dir"/s/mento/demo/demo.db* "$dir"/s/mento/demo/mentod.log; do
    [ -f "$f" ] || continue
    if grep -aqF "$SENTENCE" "$f" || grep -aqF "$b64" "$f"; then
        r=1
        echo "# the note's text is in $f"
    fi
done
[ -f "$dir/s/mento/demo/demo.db" ] || r=1
ok $r 14 "the server's database, its WAL and its log hold no trace of the note's text"

demo reset --reset
wait_for "of [0-9]* · by score" 120
t send-keys -t "$win" 2
wait_for "Empty. Add mentors" 60
ok $? 15 "--reset starts the demo afresh"
quit
# The cases above say what failed; quitting says what it waited for.
exit 0
