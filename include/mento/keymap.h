/* keymap.h - the one table of requests (what a key can ask for) and of
 * screens, key names, and keymap files: `bind <screen|generic> <key>
 * <request>`. The same tables feed the parser, the help screen and
 * docs/keymaps.md, so nothing is kept in step by hand. */
#ifndef MENTO_KEYMAP_H
#define MENTO_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mento/error.h"

/* Every screen: id, name in keymap files, title on the tab bar. */
#define SCREEN_LIST(X)                                                                             \
    X(DIRECTORY, "directory", "Directory")                                                         \
    X(WISHLIST, "wishlist", "Wish-list")                                                           \
    X(MATCHES, "matches", "Matches")                                                               \
    X(SESSIONS, "sessions", "Sessions")                                                            \
    X(NOTES, "notes", "Notes")                                                                     \
    X(PROFILE, "profile", "Profile")                                                               \
    X(HELP, "help", "Help")                                                                        \
    X(RESOURCES, "resources", "Resources")                                                         \
    X(NOTIFICATIONS, "notifications", "Notifications")                                             \
    X(EDITOR, "editor", "Note")

enum screen_id {
#define SCREEN_ENUM(id, name, title) SCREEN_##id,
    SCREEN_LIST(SCREEN_ENUM)
#undef SCREEN_ENUM
        SCREEN_COUNT
};

/* Every request: id, name in keymap files, help text. */
#define REQ_LIST(X)                                                                                \
    X(QUIT, "quit", "Quit mento")                                                                  \
    X(HELP, "help", "Show every key and what it does")                                             \
    X(NEXT_SCREEN, "next-screen", "Go to the next pane")                                           \
    X(PREV_SCREEN, "prev-screen", "Go to the previous pane")                                       \
    X(VIEW_DIRECTORY, "view-directory", "Open the mentor directory")                               \
    X(VIEW_WISHLIST, "view-wishlist", "Open the wish-list")                                        \
    X(VIEW_MATCHES, "view-matches", "Open the current and past matches")                           \
    X(VIEW_SESSIONS, "view-sessions", "Open the session plan")                                     \
    X(VIEW_NOTES, "view-notes", "Open the private notes")                                          \
    X(VIEW_PROFILE, "view-profile", "Open your profile")                                           \
    X(VIEW_NOTIFICATIONS, "view-notifications", "Open your notifications, newest first")           \
    X(VIEW_RESOURCES, "view-resources", "Read handbooks, agendas, topics")                         \
    X(MOVE_UP, "move-up", "Move to the previous line")                                             \
    X(MOVE_DOWN, "move-down", "Move to the next line")                                             \
    X(PAGE_UP, "page-up", "Move one page up")                                                      \
    X(PAGE_DOWN, "page-down", "Move one page down")                                                \
    X(MOVE_FIRST, "move-first", "Move to the first line")                                          \
    X(MOVE_LAST, "move-last", "Move to the last line")                                             \
    X(ENTER, "enter", "Open the selected item")                                                    \
    X(BACK, "back", "Close the open item or dialogue")                                             \
    X(SEARCH, "search", "Look for words in the text being read, or among the notes")               \
    X(SEARCH_NEXT, "search-next", "Go to the next place the words are found (or ask for them)")    \
    X(SEARCH_PREV, "search-prev", "Go to the previous place the words are found")                  \
    X(FILTER_TEXT, "filter-text", "Type words to look for in the directory")                       \
    X(FILTER_JOB_NETWORK, "filter-job-network", "Filter the directory by job network")             \
    X(FILTER_GRADE, "filter-grade", "Filter the directory by grade")                               \
    X(FILTER_ENTITY, "filter-entity", "Filter the directory by entity")                            \
    X(FILTER_DUTY_STATION, "filter-duty-station", "Filter the directory by duty station")          \
    X(FILTER_LANGUAGE, "filter-language", "Filter the directory by session language")              \
    X(FILTER_AVAILABLE, "filter-available", "Show only mentors with a free place, or everyone")    \
    X(FILTER_CLEAR, "filter-clear", "Clear every filter")                                          \
    X(SORT, "sort", "Sort by match score or by name")                                              \
    X(TOGGLE_PROFILE, "toggle-profile", "Show or hide the profile of the selected mentor")         \
    X(WISHLIST_ADD, "wishlist-add", "Add the selected mentor to your wish-list")                   \
    X(ITEM_UP, "item-up", "Move the selected entry up the list")                                   \
    X(ITEM_DOWN, "item-down", "Move the selected entry down the list")                             \
    X(ITEM_REMOVE, "item-remove", "Remove the selected entry")                                     \
    X(REQUEST_SEND, "request-send", "Ask the first available mentor on your wish-list")            \
    X(REQUEST_WITHDRAW, "request-withdraw", "Withdraw your open request")                          \
    X(REQUEST_ACCEPT, "request-accept", "Accept the request shown to you")                         \
    X(REQUEST_DECLINE, "request-decline", "Decline the request shown to you")                      \
    X(PAIRING_END, "pairing-end", "End the selected pairing")                                      \
    X(SESSION_BOOK, "session-book", "Book a session, or a series of them")                         \
    X(SESSION_RESCHEDULE, "session-move", "Move the selected booked session")                      \
    X(SESSION_CANCEL, "session-cancel", "Cancel the selected booked session")                      \
    X(SESSION_DONE, "session-done", "Mark the selected session done and give feedback")            \
    X(SESSION_EXPORT, "session-export",                                                            \
      "Save the selected session's calendar invitation (.ics) to a file")                          \
    X(CAPACITY, "capacity", "Change how many mentees you take")                                    \
    X(HIDE_TOGGLE, "hide-toggle", "Hide your mentor profile from the directory, or show it again") \
    X(FREEZE_TOGGLE, "freeze-toggle", "Freeze your account (leave every pairing process), or unfreeze") \
    X(SWITCH_PROGRAMME, "switch-programme", "Switch to the next of your programmes")                 \
    X(CASCADE_TOGGLE, "cascade-toggle",                                                            \
      "Pass a declined or expired request on down the list, or not")                               \
    X(NOTE_NEW, "note-new", "Write a new note about the selected pairing or session")              \
    X(NOTE_EDIT, "note-edit", "Edit the selected note in the built-in editor")                     \
    X(NOTE_EDIT_EXTERNAL, "note-edit-external",                                                    \
      "Edit the selected note in $EDITOR, through a private file that is wiped after")             \
    X(NOTE_DELETE, "note-delete", "Delete the selected note")                                      \
    X(NOTE_SHARE, "note-share", "Share the selected note with your partner, or stop sharing it")   \
    X(FINGERPRINTS, "fingerprints",                                                                \
      "Compare key fingerprints with your partner; accept their key")                              \
    X(NOTES_LOCK, "notes-lock", "Lock the notes: every key and text leaves memory")                \
    X(NOTES_RECOVER, "notes-recover", "Unlock the notes with the recovery code")                   \
    X(NOTES_PASSWORD, "notes-password",                                                            \
      "Change the notes password (only the key that opens the notes is wrapped again)")           \
    X(CONFLICT_KEEP_ORIGINAL, "conflict-keep-original",                                            \
      "Keep the original of a note in conflict and delete its conflict copy")                      \
    X(CONFLICT_KEEP_COPY, "conflict-keep-copy",                                                    \
      "Keep the conflict copy's text in the original note and delete the copy")                    \
    X(NOTE_SAVE, "note-save", "Save the note being written")                                       \
    X(UNDO, "undo", "Undo the last change to the text")                                            \
    X(REDO, "redo", "Redo what was undone")                                                        \
    X(ITEM_TOGGLE, "item-toggle",                                                                  \
      "Check or uncheck the action item on the cursor's line (another line becomes one)")          \
    X(MOVE_LEFT, "move-left", "Move the cursor one character left")                                \
    X(MOVE_RIGHT, "move-right", "Move the cursor one character right")                             \
    X(WORD_LEFT, "word-left", "Move the cursor to the start of the word")                          \
    X(WORD_RIGHT, "word-right", "Move the cursor to the end of the word")                          \
    X(LINE_START, "line-start", "Move the cursor to the start of the row")                         \
    X(LINE_END, "line-end", "Move the cursor to the end of the row")                               \
    X(SYNC, "sync", "Sync with the server now")                                                    \
    X(REDRAW, "redraw", "Redraw the whole screen")

enum request {
    REQ_NONE = 0,
#define REQ_ENUM(id, name, help) REQ_##id,
    REQ_LIST(REQ_ENUM)
#undef REQ_ENUM
        REQ_COUNT
};

const char *request_name(enum request r); /* "filter-clear"; "" for REQ_NONE */
const char *request_help(enum request r);
enum request request_by_name(const char *name); /* REQ_NONE when unknown */
const char *screen_name(enum screen_id s);
const char *screen_title(enum screen_id s);

/* ---- Keys ------------------------------------------------------------------ *
 * A key is a Unicode code point, or a special key above the Unicode range,
 * with MKEY_ALT added for Meta/Alt. */
typedef int32_t mento_key;
#define MKEY_SPECIAL_BASE 0x110000
#define MKEY_ALT          0x20000000

#define SPECIAL_KEY_LIST(X)                                                                        \
    X(ENTER, "Enter")                                                                              \
    X(TAB, "Tab")                                                                                  \
    X(BACKTAB, "S-Tab")                                                                            \
    X(ESC, "Esc")                                                                                  \
    X(SPACE, "Space")                                                                              \
    X(BACKSPACE, "Backspace") X(DEL, "Del") X(INS, "Ins") X(UP, "Up") X(DOWN, "Down")              \
        X(LEFT, "Left") X(RIGHT, "Right") X(HOME, "Home") X(END, "End") X(PGUP, "PgUp")            \
            X(PGDN, "PgDn") X(F1, "F1") X(F2, "F2") X(F3, "F3") X(F4, "F4") X(F5, "F5")            \
                X(F6, "F6") X(F7, "F7") X(F8, "F8") X(F9, "F9") X(F10, "F10") X(F11, "F11")        \
                    X(F12, "F12")

enum special_key {
    MKEY_NONE_ = MKEY_SPECIAL_BASE,
#define SPECIAL_ENUM(id, name) MKEY_##id,
    SPECIAL_KEY_LIST(SPECIAL_ENUM)
#undef SPECIAL_ENUM
        MKEY_LAST_
};

/* Control keys are the code points 1..31 (<C-a> is 1); <C-Space> is 0. */
#define MKEY_CTRL(c) ((mento_key)((c)&0x1f))

/* Parse "q", "é", "<C-x>", "<M-x>", "<F5>", "<Enter>", "<Tab>", "<Space>"...
 * MENTO_ERR_INVALID for anything else. */
mento_status key_parse(const char *s, mento_key *out);
/* The same notation back ("<C-x>", "q"); `buf` of 32 bytes is enough. */
void key_to_name(mento_key k, char *buf, size_t cap);

/* ---- Keymaps ------------------------------------------------------------------ */

#define KEYMAP_GENERIC      SCREEN_COUNT /* the `generic` section: every screen */
#define KEYMAP_MAX_BINDINGS 512

struct keymap_binding {
    int section; /* enum screen_id, or KEYMAP_GENERIC */
    mento_key key;
    enum request req; /* REQ_NONE: unbound (`none`) */
};

struct keymap {
    struct keymap_binding b[KEYMAP_MAX_BINDINGS];
    size_t n;
};

/* The built-in bindings (the same as keymaps/default.keys). */
void keymap_defaults(struct keymap *km);
/* Apply one line of a keymap file; `err` gets the reason on failure. */
mento_status keymap_bind_line(struct keymap *km, const char *line, char *err, size_t err_len);
/* Apply a whole file over `km`. Lines that fail are reported on `errors`
 * (may be NULL) as "file:line: reason" and skipped; the others still apply.
 * Returns the number of failed lines, or -1 when the file cannot be read
 * (also reported). */
int keymap_load_file(struct keymap *km, const char *path, FILE *errors);
/* The request bound to `key` on `screen` (its own binding first, then the
 * generic one); REQ_NONE when none. */
enum request keymap_lookup(const struct keymap *km, enum screen_id screen, mento_key key);
/* The same without the generic bindings: for a screen that takes text (the
 * note editor), where every other key is typed. */
enum request keymap_lookup_own(const struct keymap *km, enum screen_id screen, mento_key key);
/* A screen's binding that says what the generic one with the same key
 * says (the editor's own <Up>): left out of lists of keys. */
bool keymap_binding_repeats(const struct keymap *km, const struct keymap_binding *b);
/* The keys bound to `req` on `screen` (own and generic), as text like
 * "q, <C-c>"; "" when none. */
void keymap_keys_for(const struct keymap *km, enum screen_id screen, enum request req, char *buf,
                     size_t cap);
/* docs/keymaps.md, generated from the tables and `km`. */
void keymap_write_markdown(const struct keymap *km, FILE *out);

#endif
