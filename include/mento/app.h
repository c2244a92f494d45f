/* app.h - the full-screen client: the context every screen works in, the
 * event loop (keys and network in one curl_multi_poll), the frame around the
 * panes (tab bar, filter bar, message and status lines), and the scripted
 * mode that drives it all from a file for tests (MENTO_SCRIPT). */
#ifndef MENTO_APP_H
#define MENTO_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mento/directory.h"
#include "mento/editor.h"
#include "mento/export.h"
#include "mento/fetch.h"
#include "mento/form.h"
#include "mento/keymap.h"
#include "mento/model.h"
#include "mento/net.h"
#include "mento/notes.h"
#include "mento/pager.h"
#include "mento/store.h"
#include "mento/sync.h"

#include "mento/layout.h"

/* The smallest terminal the layout is drawn in. */
#define APP_MIN_COLS LAYOUT_MIN_COLS
#define APP_MIN_ROWS LAYOUT_MIN_ROWS

/* What a handler tells the loop (flags): only the loop draws. */
enum {
    APP_UNHANDLED = 0,
    APP_HANDLED = 1 << 0,
    APP_REDRAW = 1 << 1,
    APP_QUIT = 1 << 2,
};

struct app;

/* Called once when an open form is accepted or cancelled. */
typedef void (*app_form_done)(struct app *app, enum form_result result);

/* The whole contract of a screen. */
struct screen_ops {
    /* Draw the pane: `top`..`top + rows - 1`, all `cols` columns. */
    void (*draw)(struct app *app, int top, int rows, int cols);
    /* A request the screen may handle; APP_UNHANDLED passes it on to the
     * generic handlers. */
    int (*handle)(struct app *app, enum request req);
    /* The store changed (a sync applied): reload what the screen keeps. */
    void (*store_changed)(struct app *app);
    /* A GET beside the sync came back (may be NULL). */
    void (*fetched)(struct app *app, const struct fetch_report *rep);
    /* The search prompt's words changed (`done`: Enter), or it was
     * cancelled (`words` NULL). May be NULL: the screen has no search. */
    void (*search)(struct app *app, const char *words, bool done);
    /* A screen that takes text (may be NULL): every key its own section
     * does not bind comes here instead of the generic bindings. */
    int (*key)(struct app *app, mento_key key, int ch);
    /* Once a pass of the loop, on every screen (may be NULL): work that
     * finishes on its own, such as an unlock on its worker thread. */
    void (*tick)(struct app *app);
    /* The programme's store is open (at the start, and after a switch of
     * programme), and it is about to be left (at the end, and before a
     * switch); both may be NULL. */
    void (*open)(struct app *app);
    void (*done)(struct app *app);
};

#define SCREEN_OPS_DECL(id, name, title) extern const struct screen_ops screen_##id##_ops;
SCREEN_LIST(SCREEN_OPS_DECL)
#undef SCREEN_OPS_DECL

/* A one-line prompt in the message line: free text, or a choice among the
 * values of a directory facet. Every keystroke applies at once. */
enum prompt_kind { PROMPT_NONE = 0, PROMPT_FILTER_TEXT, PROMPT_FACET, PROMPT_SEARCH };

struct prompt {
    enum prompt_kind kind;
    int facet; /* enum directory_facet_id for PROMPT_FACET */
    char buf[256];
    char saved[256]; /* the value before, restored by Esc */
};

struct app_options {
    const char *server_url; /* NULL: offline only */
    const char *token;      /* NULL: not logged in */
    const char *store_path;
    const char *programme;
    const char *ca_file;
    const char *keymap_name; /* "default", "vi", "emacs" */
    const char *keymap_dir;  /* where the shipped .keys files are */
    const char *user_keys;   /* the user's own keys file, may be missing */
    const char *script;      /* MENTO_SCRIPT: drive from this file */
    const char *calendar_dir; /* where exported invitations go by default */
    const char *home;         /* for "~/" in file names */
    int script_cols, script_rows;
    bool offline;
    FILE *log;          /* never the screen */
    int64_t started_ms; /* CLOCK_MONOTONIC at the start of main, for the log */
};

/* The resources pane: the resource being read, laid out for the pane. */
struct reader {
    bool open;
    char id[STORE_RESOURCE_ID_MAX + 1];
    char title[STORE_RESOURCE_TITLE_MAX + 1];
    struct pager pager;
    int laid_width;       /* the layout is for this width ... */
    int64_t laid_version; /* ... and this version of the store */
    size_t top;           /* the first line shown */
    size_t origin;        /* the first line when the search prompt opened */
    char words[256];      /* the last words looked for */
    long match;           /* the line they were found on (-1: none) */
};

/* The notes pane: the notes core (open once the store knows the account),
 * and what the pane and its editor show. Secrets the pane holds (the typed
 * password, the recovery code shown once) are sodium_malloc'd. */
#define NOTES_PANE_CHOICES 32
struct notes_pane {
    struct notes *notes;
    bool working;    /* an unlock or a creation runs on its worker thread */
    bool creating;   /* ... a creation */
    bool recovering; /* the password form asks for the recovery code */
    bool changing;   /* a password change runs on the worker thread (the notes stay open) */
    bool change_form; /* the password form is the change's (current, new, again) */
    char problem_seen[NOTES_WHY_LEN]; /* the vault's refusal last shown */
    char *secret;    /* the password form's text while it is open */
    char *recovery;  /* the notice with the recovery code, until closed */
    bool recovery_open;
    char words[256];             /* the list shows the notes holding these */
    char selected[NOTES_ID_LEN]; /* the selected note, kept across changes */
    /* The compare view of a note and its conflict copy. */
    bool comparing;
    char original[NOTES_ID_LEN], copy[NOTES_ID_LEN];
    size_t compare_top;
    /* What a new note can be about, for the form's choice. */
    char choice_text[NOTES_PANE_CHOICES][96];
    const char *choices[NOTES_PANE_CHOICES];
    int64_t choice_pairing[NOTES_PANE_CHOICES], choice_session[NOTES_PANE_CHOICES];
    /* What a dialogue of the pane is about. */
    char target[NOTES_ID_LEN];
    int64_t target_pairing;
    char target_fingerprint[VAULT_FINGERPRINT_LEN]; /* the partner's, as shown */
    /* A changed partner key already shown (its fingerprint), and when the
     * keys were last looked at (app.store_version, -1: never). */
    char warned[VAULT_FINGERPRINT_LEN];
    int64_t keys_checked;
    /* The editor. */
    struct editor *editor;
    char editing[NOTES_ID_LEN]; /* the note being written ("": a new one) */
    int64_t pairing, session;   /* what it is about */
    bool read_only;             /* a partner's note */
    char *base;                 /* the note's text when opened or last saved */
};

/* An invitation being exported, while the server's file is on its way. */
struct export_job {
    bool waiting;
    int64_t session_id;
    int number;
    bool replace; /* the user agreed to replace the file */
    char path[EXPORT_PATH_MAX];
};

struct app {
    struct app_options opt;
    char programme[64]; /* the programme on screen (opt.programme points here) */
    struct store *store;
    struct net *net; /* NULL when offline */
    struct sync sync;
    struct fetch fetch; /* resources and calendar files, beside the sync */
    struct keymap keymap;
    char keymap_errors[1024]; /* shown once at start */

    struct mento_profile me;
    bool have_me;
    struct directory dir;
    bool dir_loaded;
    struct directory_filter filter;
    enum directory_sort sort;
    bool show_profile;

    enum screen_id screen;
    size_t sel[SCREEN_COUNT], top[SCREEN_COUNT];
    struct prompt prompt;
    struct form form; /* a dialogue over the screen, when form_open */
    bool form_open;
    app_form_done form_done;
    int64_t form_ref;     /* what the dialogue is about (an id) */
    char form_title[160]; /* room for the dialogue's title and message */
    char form_text[1280];
    char form_body[1200]; /* the operation the dialogue will queue */
    char message[256];
    bool message_error;
    char refusal_op[64]; /* the refused operation a dialogue shows, until read */
    struct reader reader;
    struct export_job export_job;
    struct notes_pane notes;

    int rows, cols;
    int cursor_y, cursor_x; /* where a screen that takes text wants the cursor (-1: none) */
    bool quit, dirty;
    bool first_frame_logged;
    int64_t store_version; /* bumped when a sync applied */

    /* Scripted mode. */
    FILE *script;
    int script_line;
    void *term; /* SCREEN * of newterm */
    FILE *term_out, *term_in;
    bool colors;
};

/* Set up (store, keymaps, network, terminal) and run until the user quits.
 * Returns a process exit status; `err` says why on failure. */
int app_run(const struct app_options *opt, char *err, size_t err_len);

/* ---- For the screens ------------------------------------------------------- */

/* Show programme `id` (one of the user's): its store, a sync of its own.
 * Refused, with a message, while a sync is in flight. */
void app_switch_programme(struct app *app, const char *id);

/* Put text at (y, x), fitted into `cols` columns (ellipsis when cut). */
void app_put(struct app *app, int y, int x, int cols, const char *text, int attr);
/* A message in the message line until the next key. */
void app_message(struct app *app, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Move the selection of the current screen by `delta` within `n` items
 * keeping it visible in `rows` lines. */
void app_move(struct app *app, long delta, size_t n, int rows);
/* Reload the directory from the store with the current filter. */
void app_reload_directory(struct app *app);
/* Re-run the filter after a change. */
void app_refilter(struct app *app);
/* Queue an operation the server must know (with its local effect already
 * applied by the caller) and ask for a sync. */
mento_status app_queue(struct app *app, const char *type, const char *body_json);
int64_t app_now(void);
/* Notifications in the store not yet read. */
int app_unread_notifications(struct app *app);
/* Show app->form (set up with form_init/form_add) over the screen; `done`
 * runs when it is accepted or cancelled. */
void app_form_open(struct app *app, app_form_done done, int64_t ref);
/* Open the prompt for the free text or a facet (enum directory_facet_id),
 * or the search prompt of the current screen (`facet` unused). */
void app_prompt_open(struct app *app, enum prompt_kind kind, int facet);
/* The sync is idle and its last round reached the server. */
bool app_link_ok(const struct app *app);
/* Hand the terminal to another program (`$EDITOR`) and take it back:
 * app_suspend ends the full screen, app_resume redraws it. */
void app_suspend(struct app *app);
void app_resume(struct app *app);
/* The first key bound to `req` on `screen`, named as in the keymap files
 * ("<C-s>"), for a hint; "" when none. */
void app_first_key(struct app *app, enum screen_id screen, enum request req, char *buf, size_t cap);

#endif
