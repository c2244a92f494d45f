/* keymap.c - request and screen tables, key names, the built-in bindings and
 * keymap files, and docs/keymaps.md generated from them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mento/keymap.h"
#include "mento/utf8.h"

static const struct {
    const char *name, *help;
} requests[REQ_COUNT] = {[REQ_NONE] = {"", ""},
#define REQ_ROW(id, name, help) [REQ_##id] = {name, help},
                         REQ_LIST(REQ_ROW)
#undef REQ_ROW
};

static const struct {
    const char *name, *title;
} screens[SCREEN_COUNT] = {
#define SCREEN_ROW(id, name, title) [SCREEN_##id] = {name, title},
    SCREEN_LIST(SCREEN_ROW)
#undef SCREEN_ROW
};

static const char *const special_names[] = {
#define SPECIAL_ROW(id, name) name,
    SPECIAL_KEY_LIST(SPECIAL_ROW)
#undef SPECIAL_ROW
};

const char *request_name(enum request r)
{
    return r > REQ_NONE && r < REQ_COUNT ? requests[r].name : "";
}

const char *request_help(enum request r)
{
    return r > REQ_NONE && r < REQ_COUNT ? requests[r].help : "";
}

enum request request_by_name(const char *name)
{
    for (int r = 1; r < REQ_COUNT; r++)
        if (strcmp(requests[r].name, name) == 0)
            return (enum request)r;
    return REQ_NONE;
}

const char *screen_name(enum screen_id s)
{
    return s < SCREEN_COUNT ? screens[s].name : "generic";
}

const char *screen_title(enum screen_id s)
{
    return s < SCREEN_COUNT ? screens[s].title : "";
}

/* ---- Keys --------------------------------------------------------------------- */

/* Decode one UTF-8 code point; its length, or 0 when invalid. */
static size_t decode(const char *s, int32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = u[0] < 0x80         ? 1
               : (u[0] >> 5) == 6  ? 2
               : (u[0] >> 4) == 14 ? 3
               : (u[0] >> 3) == 30 ? 4
                                   : 0;
    if (n == 0 || !utf8_valid(s, strnlen(s, n)) || strnlen(s, n) < n)
        return 0;
    int32_t c = n == 1 ? u[0] : u[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++)
        c = (c << 6) | (u[i] & 0x3f);
    *cp = c;
    return n;
}

static size_t encode(int32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xc0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xe0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    out[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

mento_status key_parse(const char *s, mento_key *out)
{
    int32_t cp;
    size_t len = strlen(s);
    if (len == 0)
        return MENTO_ERR_INVALID;
    if (s[0] != '<' || len == 1) {
        size_t n = decode(s, &cp);
        if (n == 0 || n != len || cp < 0x21 || cp == 0x7f)
            return MENTO_ERR_INVALID; /* one printable character */
        *out = cp;
        return MENTO_OK;
    }
    if (s[len - 1] != '>')
        return MENTO_ERR_INVALID;
    char inner[32];
    if (len - 2 >= sizeof inner || len < 3)
        return MENTO_ERR_INVALID;
    memcpy(inner, s + 1, len - 2);
    inner[len - 2] = '\0';
    if ((inner[0] == 'C' || inner[0] == 'M') && inner[1] == '-' && inner[2]) {
        const char *rest = inner + 2;
        if (inner[0] == 'C') {
            /* <C-x>: letters and @[\]^_ map to 0..31. */
            if (strlen(rest) != 1)
                return strcasecmp(rest, "Space") == 0 ? (*out = 0, MENTO_OK) : MENTO_ERR_INVALID;
            char c = rest[0];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (!((c >= 'a' && c <= 'z') || (c >= '@' && c <= '_')))
                return MENTO_ERR_INVALID;
            /* Terminals send these as Tab, Enter and Esc. */
            *out = c == 'i' ? MKEY_TAB : c == 'm' ? MKEY_ENTER : c == '[' ? MKEY_ESC : MKEY_CTRL(c);
            return MENTO_OK;
        }
        /* <M-x>: Alt with any key, itself in this notation or literal. */
        mento_key k;
        char sub[32];
        if (decode(rest, &cp) == strlen(rest) && strlen(rest) > 0 && cp >= 0x21) {
            k = cp;
        } else {
            snprintf(sub, sizeof sub, "<%s>", rest);
            if (key_parse(sub, &k) != MENTO_OK)
                return MENTO_ERR_INVALID;
        }
        *out = k | MKEY_ALT;
        return MENTO_OK;
    }
    for (size_t i = 0; i < sizeof special_names / sizeof special_names[0]; i++)
        if (strcasecmp(inner, special_names[i]) == 0) {
            *out = (mento_key)(MKEY_NONE_ + 1 + (int)i);
            return MENTO_OK;
        }
    /* Common other spellings. */
    static const struct {
        const char *name;
        mento_key key;
    } aliases[] = {{"Return", MKEY_ENTER},
                   {"CR", MKEY_ENTER},
                   {"Escape", MKEY_ESC},
                   {"PageUp", MKEY_PGUP},
                   {"PageDown", MKEY_PGDN},
                   {"Delete", MKEY_DEL},
                   {"BS", MKEY_BACKSPACE},
                   {"lt", '<'},
                   {"gt", '>'}};
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcasecmp(inner, aliases[i].name) == 0) {
            *out = aliases[i].key;
            return MENTO_OK;
        }
    return MENTO_ERR_INVALID;
}

void key_to_name(mento_key k, char *buf, size_t cap)
{
    bool alt = (k & MKEY_ALT) != 0;
    k &= ~MKEY_ALT;
    char base[24];
    if (k > MKEY_NONE_ && k < MKEY_LAST_) {
        snprintf(base, sizeof base, "%s", special_names[k - MKEY_NONE_ - 1]);
    } else if (k == 0) {
        snprintf(base, sizeof base, "C-Space");
    } else if (k > 0 && k < 0x20) {
        snprintf(base, sizeof base, "C-%c", (char)(k + 'a' - 1 <= 'z' ? k + 'a' - 1 : k + '@'));
    } else if (k == '<' || k == '>') {
        snprintf(base, sizeof base, "%s", k == '<' ? "lt" : "gt");
    } else {
        char u[5];
        size_t n = encode(k, u);
        u[n] = '\0';
        if (!alt) {
            snprintf(buf, cap, "%s", u);
            return;
        }
        snprintf(buf, cap, "<M-%s>", u);
        return;
    }
    snprintf(buf, cap, alt ? "<M-%s>" : "<%s>", base);
}

/* ---- Keymaps ------------------------------------------------------------------- */

static const char *const default_lines[] = {
    /* Generic: arrows and function keys, plus mnemonic letters. */
    "bind generic q quit",
    "bind generic ? help",
    "bind generic <F1> help",
    "bind generic <Tab> next-screen",
    "bind generic <S-Tab> prev-screen",
    "bind generic 1 view-directory",
    "bind generic 2 view-wishlist",
    "bind generic 3 view-matches",
    "bind generic 4 view-sessions",
    "bind generic 5 view-notes",
    "bind generic 6 view-profile",
    "bind generic n view-notifications",
    "bind generic 7 view-resources",
    "bind generic <Up> move-up",
    "bind generic <Down> move-down",
    "bind generic <PgUp> page-up",
    "bind generic <PgDn> page-down",
    "bind generic <Home> move-first",
    "bind generic <End> move-last",
    "bind generic <Enter> enter",
    "bind generic <Esc> back",
    "bind generic <F5> sync",
    "bind generic <C-l> redraw",
    /* The directory. */
    "bind directory / filter-text",
    "bind directory j filter-job-network",
    "bind directory g filter-grade",
    "bind directory e filter-entity",
    "bind directory d filter-duty-station",
    "bind directory l filter-language",
    "bind directory a filter-available",
    "bind directory c filter-clear",
    "bind directory s sort",
    "bind directory p toggle-profile",
    "bind directory w wishlist-add",
    /* The wish-list. */
    "bind wishlist + item-up",
    "bind wishlist - item-down",
    "bind wishlist d item-remove",
    "bind wishlist <Del> item-remove",
    "bind wishlist r request-send",
    "bind wishlist x request-withdraw",
    "bind wishlist c cascade-toggle",
    /* Matches. */
    "bind matches a request-accept",
    "bind matches d request-decline",
    "bind matches e pairing-end",
    /* Sessions. */
    "bind sessions b session-book",
    "bind sessions m session-move",
    "bind sessions c session-cancel",
    "bind sessions d session-done",
    "bind sessions e session-export",
    /* Profile. */
    "bind profile k capacity",
    "bind profile h hide-toggle",
    "bind profile f freeze-toggle",
    "bind profile P switch-programme",
    /* Resources: the list, and the pager over one of them. */
    "bind resources / search",
    "bind resources n search-next",
    "bind resources N search-prev",
    "bind resources <Space> page-down",
    /* Notes: the list, and the editor (where every other key is typed). */
    "bind notes a note-new",
    "bind notes e note-edit",
    "bind notes E note-edit-external",
    "bind notes d note-delete",
    "bind notes <Del> note-delete",
    "bind notes s note-share",
    "bind notes f fingerprints",
    "bind notes L notes-lock",
    "bind notes R notes-recover",
    "bind notes P notes-password",
    "bind notes o conflict-keep-original",
    "bind notes c conflict-keep-copy",
    "bind notes / search",
    "bind editor <C-s> note-save",
    "bind editor <Esc> back",
    "bind editor <C-z> undo",
    "bind editor <C-y> redo",
    "bind editor <C-t> item-toggle",
    "bind editor <Left> move-left",
    "bind editor <Right> move-right",
    "bind editor <Up> move-up",
    "bind editor <Down> move-down",
    "bind editor <Home> line-start",
    "bind editor <End> line-end",
    "bind editor <PgUp> page-up",
    "bind editor <PgDn> page-down",
    "bind editor <M-Home> move-first",
    "bind editor <M-End> move-last",
    "bind editor <M-Left> word-left",
    "bind editor <M-Right> word-right",
    "bind editor <M-b> word-left",
    "bind editor <M-f> word-right",
};

void keymap_defaults(struct keymap *km)
{
    km->n = 0;
    char err[128];
    for (size_t i = 0; i < sizeof default_lines / sizeof default_lines[0]; i++)
        keymap_bind_line(km, default_lines[i], err, sizeof err);
}

static int section_by_name(const char *name)
{
    if (strcmp(name, "generic") == 0)
        return KEYMAP_GENERIC;
    for (int s = 0; s < SCREEN_COUNT; s++)
        if (strcmp(screens[s].name, name) == 0)
            return s;
    return -1;
}

mento_status keymap_bind_line(struct keymap *km, const char *line, char *err, size_t err_len)
{
    char copy[512];
    size_t len = strlen(line);
    if (len >= sizeof copy) {
        snprintf(err, err_len, "line longer than %zu characters", sizeof copy - 1);
        return MENTO_ERR_TOO_LONG;
    }
    if (!utf8_valid(line, len)) {
        snprintf(err, err_len, "not valid UTF-8");
        return MENTO_ERR_UTF8;
    }
    memcpy(copy, line, len + 1);
    char *words[5];
    int n = 0;
    for (char *save = NULL, *w = strtok_r(copy, " \t\r\n", &save); w;
         w = strtok_r(NULL, " \t\r\n", &save)) {
        if (n == 0 && w[0] == '#')
            break; /* a comment line */
        if (n < 5)
            words[n] = w;
        n++;
    }
    if (n == 0)
        return MENTO_OK; /* blank or comment */
    if (strcmp(words[0], "bind") != 0) {
        snprintf(err, err_len, "unknown command \"%.40s\" (expected bind)", words[0]);
        return MENTO_ERR_INVALID;
    }
    if (n != 4) {
        snprintf(err, err_len, "expected: bind <screen|generic> <key> <request>");
        return MENTO_ERR_INVALID;
    }
    int section = section_by_name(words[1]);
    if (section < 0) {
        snprintf(err, err_len, "unknown screen \"%.40s\"", words[1]);
        return MENTO_ERR_INVALID;
    }
    mento_key key;
    if (key_parse(words[2], &key) != MENTO_OK) {
        snprintf(err, err_len, "unknown key \"%.40s\"", words[2]);
        return MENTO_ERR_INVALID;
    }
    enum request req = REQ_NONE;
    if (strcmp(words[3], "none") != 0 && (req = request_by_name(words[3])) == REQ_NONE) {
        snprintf(err, err_len, "unknown request \"%.40s\"", words[3]);
        return MENTO_ERR_INVALID;
    }
    for (size_t i = 0; i < km->n; i++)
        if (km->b[i].section == section && km->b[i].key == key) {
            km->b[i].req = req;
            return MENTO_OK;
        }
    if (km->n == KEYMAP_MAX_BINDINGS) {
        snprintf(err, err_len, "more than %d bindings", KEYMAP_MAX_BINDINGS);
        return MENTO_ERR_RANGE;
    }
    km->b[km->n++] = (struct keymap_binding){.section = section, .key = key, .req = req};
    return MENTO_OK;
}

int keymap_load_file(struct keymap *km, const char *path, FILE *errors)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errors)
            fprintf(errors, "%s: cannot read: %s\n", path, strerror(errno));
        return -1;
    }
    char line[600];
    int lineno = 0, failed = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            /* Skip the rest of an over-long line. */
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            if (errors)
                fprintf(errors, "%s:%d: line longer than 511 characters\n", path, lineno);
            failed++;
            continue;
        }
        char err[160];
        if (keymap_bind_line(km, line, err, sizeof err) != MENTO_OK) {
            if (errors)
                fprintf(errors, "%s:%d: %s\n", path, lineno, err);
            failed++;
        }
    }
    fclose(f);
    return failed;
}

enum request keymap_lookup(const struct keymap *km, enum screen_id screen, mento_key key)
{
    for (size_t i = 0; i < km->n; i++)
        if (km->b[i].section == (int)screen && km->b[i].key == key)
            return km->b[i].req;
    for (size_t i = 0; i < km->n; i++)
        if (km->b[i].section == KEYMAP_GENERIC && km->b[i].key == key)
            return km->b[i].req;
    return REQ_NONE;
}

bool keymap_binding_repeats(const struct keymap *km, const struct keymap_binding *b)
{
    if (b->section == KEYMAP_GENERIC)
        return false;
    for (size_t i = 0; i < km->n; i++)
        if (km->b[i].section == KEYMAP_GENERIC && km->b[i].key == b->key && km->b[i].req == b->req)
            return true;
    return false;
}

enum request keymap_lookup_own(const struct keymap *km, enum screen_id screen, mento_key key)
{
    for (size_t i = 0; i < km->n; i++)
        if (km->b[i].section == (int)screen && km->b[i].key == key)
            return km->b[i].req;
    return REQ_NONE;
}

void keymap_keys_for(const struct keymap *km, enum screen_id screen, enum request req, char *buf,
                     size_t cap)
{
    size_t used = 0;
    if (cap)
        buf[0] = '\0';
    for (int pass = 0; pass < 2; pass++) {
        int section = pass == 0 ? (int)screen : KEYMAP_GENERIC;
        for (size_t i = 0; i < km->n; i++) {
            const struct keymap_binding *b = &km->b[i];
            if (b->section != section || b->req != req)
                continue;
            /* A generic key shadowed on this screen does not count. */
            if (pass == 1 && keymap_lookup(km, screen, b->key) != req)
                continue;
            char name[32];
            key_to_name(b->key, name, sizeof name);
            int w = snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", name);
            if (w < 0 || (size_t)w >= cap - used)
                return;
            used += (size_t)w;
        }
    }
}

void keymap_write_markdown(const struct keymap *km, FILE *out)
{
    fprintf(out, "# mento's keys\n\n"
                 "This file is generated from the program's own tables "
                 "(`mento --keys-markdown`); do not edit it by hand.\n\n"
                 "Keymap files hold lines `bind <screen|generic> <key> <request>`. Keys are\n"
                 "a literal character (UTF-8), `<C-x>` (Control), `<M-x>` (Alt or Meta),\n"
                 "`<F1>`..`<F12>`, `<Enter>`, `<Tab>`, `<S-Tab>`, `<Esc>`, `<Space>`,\n"
                 "`<Backspace>`, `<Del>`, `<Up>`, `<Down>`, `<Left>`, `<Right>`, `<Home>`,\n"
                 "`<End>`, `<PgUp>`, `<PgDn>`, `<lt>` and `<gt>`. The request `none` unbinds\n"
                 "a key. Screens: `generic` (every screen)");
    for (int s = 0; s < SCREEN_COUNT; s++)
        fprintf(out, ", `%s`", screens[s].name);
    fprintf(out, ".\n\nThe built-in keys are those of `keymaps/default.keys`; the config's\n"
                 "`keymap = vi` or `keymap = emacs` applies `keymaps/vi.keys` or\n"
                 "`keymaps/emacs.keys` over them, and `$XDG_CONFIG_HOME/mento/keys` goes last.\n"
                 "A line with an error is reported with its file and line number and\n"
                 "skipped; mento still starts.\n\n"
                 "The note editor takes text: there only the keys of the `editor`\n"
                 "section apply (it binds `<Up>`, `<Down>`, `<PgUp>`, `<PgDn>` and `<Esc>`\n"
                 "itself; the table leaves such a binding out where it repeats a generic\n"
                 "one), and every other key is typed into the note (letters, `<Enter>`,\n"
                 "`<Tab>`, `<Backspace>`, `<Del>`). Terminals\n"
                 "send Control or Alt with an arrow, `<Home>` or `<End>` as keys of their\n"
                 "own; mento reads them as `<M-Left>`, `<M-Home>` and so on.\n\n"
                 "| Request | What it does | Default keys |\n| --- | --- | --- |\n");
    for (int r = 1; r < REQ_COUNT; r++) {
        char keys[160] = "";
        size_t used = 0;
        for (size_t i = 0; i < km->n; i++) {
            if (km->b[i].req != (enum request)r || keymap_binding_repeats(km, &km->b[i]))
                continue;
            char name[32];
            key_to_name(km->b[i].key, name, sizeof name);
            int w =
                snprintf(keys + used, sizeof keys - used, "%s`%s`%s%s", used ? ", " : "",
                         strcmp(name, "|") == 0 ? "\\|" : name,
                         km->b[i].section == KEYMAP_GENERIC ? "" : " in ",
                         km->b[i].section == KEYMAP_GENERIC ? "" : screens[km->b[i].section].name);
            if (w > 0 && (size_t)w < sizeof keys - used)
                used += (size_t)w;
        }
        fprintf(out, "| `%s` | %s | %s |\n", requests[r].name, requests[r].help, keys);
    }
}
