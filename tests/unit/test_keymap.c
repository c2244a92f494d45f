/* test_keymap.c - key names, the keymap files shipped in keymaps/, the
 * messages a user sees for a broken file, and docs/keymaps.md being what the
 * tables generate. MENTO_SOURCE_ROOT names the source tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mento/keymap.h"

static const char *source_root(void)
{
    const char *r = getenv("MENTO_SOURCE_ROOT");
    if (!r)
        fail_msg("MENTO_SOURCE_ROOT is not set");
    return r;
}

static void key_names_round_trip(void **state)
{
    (void)state;
    static const char *const names[] = {
        "q",      "?",    "é",      "ж",       "中",    "<C-a>",   "<C-l>", "<M-x>",   "<M-é>",
        "<F1>",   "<F5>", "<F12>",  "<Enter>", "<Tab>", "<S-Tab>", "<Esc>", "<Space>", "<PgUp>",
        "<PgDn>", "<Up>", "<Home>", "<lt>",    "<gt>",  "<M-lt>",  "<M-F5>"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        mento_key k;
        if (key_parse(names[i], &k) != MENTO_OK)
            fail_msg("\"%s\" refused", names[i]);
        char back[32];
        key_to_name(k, back, sizeof back);
        assert_string_equal(back, names[i]);
    }
    /* Other spellings of the same keys. */
    mento_key a, b;
    assert_int_equal(key_parse("<Return>", &a), MENTO_OK);
    assert_int_equal(key_parse("<Enter>", &b), MENTO_OK);
    assert_int_equal(a, b);
    assert_int_equal(key_parse("<C-X>", &a), MENTO_OK);
    assert_int_equal(key_parse("<C-x>", &b), MENTO_OK);
    assert_int_equal(a, b);
    /* <C-i> is what a terminal sends for Tab. */
    assert_int_equal(key_parse("<C-i>", &a), MENTO_OK);
    assert_int_equal(key_parse("<Tab>", &b), MENTO_OK);
    assert_int_equal(a, b);
    static const char *const bad[] = {"",     "ab",    "<>", "<C-1>", "<Foo>", "<C->",
                                      "\xff", "<F13>", " ",  "<M->",  "<C-ab>"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mento_key k;
        if (key_parse(bad[i], &k) == MENTO_OK)
            fail_msg("\"%s\" accepted", bad[i]);
    }
}

static bool same_bindings(const struct keymap *a, const struct keymap *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        bool found = false;
        for (size_t j = 0; j < b->n && !found; j++)
            found = a->b[i].section == b->b[j].section && a->b[i].key == b->b[j].key &&
                    a->b[i].req == b->b[j].req;
        if (!found)
            return false;
    }
    return true;
}

static void shipped_files_load_cleanly(void **state)
{
    (void)state;
    struct keymap builtin, file;
    keymap_defaults(&builtin);
    assert_true(builtin.n > 20);
    /* default.keys is exactly the built-in keymap. */
    file.n = 0;
    char path[1024];
    snprintf(path, sizeof path, "%s/keymaps/default.keys", source_root());
    assert_int_equal(keymap_load_file(&file, path, stderr), 0);
    assert_true(same_bindings(&builtin, &file));
    static const char *const others[] = {"vi", "emacs"};
    for (size_t i = 0; i < 2; i++) {
        struct keymap km;
        keymap_defaults(&km);
        snprintf(path, sizeof path, "%s/keymaps/%s.keys", source_root(), others[i]);
        assert_int_equal(keymap_load_file(&km, path, stderr), 0);
    }
    /* vi: j moves down everywhere, also in the directory. */
    struct keymap vi;
    keymap_defaults(&vi);
    snprintf(path, sizeof path, "%s/keymaps/vi.keys", source_root());
    keymap_load_file(&vi, path, NULL);
    assert_int_equal(keymap_lookup(&vi, SCREEN_DIRECTORY, 'j'), REQ_MOVE_DOWN);
    assert_int_equal(keymap_lookup(&vi, SCREEN_MATCHES, 'j'), REQ_MOVE_DOWN);
    assert_int_equal(keymap_lookup(&vi, SCREEN_DIRECTORY, 'N'), REQ_FILTER_JOB_NETWORK);
    assert_int_equal(keymap_lookup(&vi, SCREEN_DIRECTORY, 'd'), REQ_NONE);
}

/* Every request has at least one default key on some screen, and every
 * default key of a screen is unambiguous there. */
static void every_request_has_a_key(void **state)
{
    (void)state;
    struct keymap km;
    keymap_defaults(&km);
    for (int r = 1; r < REQ_COUNT; r++) {
        bool bound = false;
        for (size_t i = 0; i < km.n; i++)
            bound |= km.b[i].req == (enum request)r;
        if (!bound)
            fail_msg("request %s has no default key", request_name((enum request)r));
        assert_true(strlen(request_help((enum request)r)) >= 10);
        assert_int_equal(request_by_name(request_name((enum request)r)), r);
    }
    char keys[128];
    keymap_keys_for(&km, SCREEN_DIRECTORY, REQ_QUIT, keys, sizeof keys);
    assert_string_equal(keys, "q");
    keymap_keys_for(&km, SCREEN_DIRECTORY, REQ_HELP, keys, sizeof keys);
    assert_string_equal(keys, "?, <F1>");
    /* A directory key shadows nothing elsewhere. */
    assert_int_equal(keymap_lookup(&km, SCREEN_DIRECTORY, 'j'), REQ_FILTER_JOB_NETWORK);
    assert_int_equal(keymap_lookup(&km, SCREEN_MATCHES, 'j'), REQ_NONE);
}

static void broken_file_reports_and_applies_the_rest(void **state)
{
    (void)state;
    char path[] = "/tmp/mento-keys-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# my keys\n"
          "bind generic x quit\n"
          "bind nowhere q quit\n"
          "bind generic <Foo> quit\n"
          "bind generic y fly-away\n"
          "bind directory z\n"
          "set colour red\n"
          "\n"
          "   bind directory q none\n"
          "bind generic \xff quit\n"
          "bind generic 中 help\n",
          f);
    fclose(f);
    struct keymap km;
    keymap_defaults(&km);
    char *report = NULL;
    size_t report_len = 0;
    FILE *errors = open_memstream(&report, &report_len);
    assert_int_equal(keymap_load_file(&km, path, errors), 6);
    fclose(errors);
    char expect[1024];
    snprintf(expect, sizeof expect,
             "%s:3: unknown screen \"nowhere\"\n"
             "%s:4: unknown key \"<Foo>\"\n"
             "%s:5: unknown request \"fly-away\"\n"
             "%s:6: expected: bind <screen|generic> <key> <request>\n"
             "%s:7: unknown command \"set\" (expected bind)\n"
             "%s:10: not valid UTF-8\n",
             path, path, path, path, path, path);
    assert_string_equal(report, expect);
    free(report);
    /* The good lines applied. */
    assert_int_equal(keymap_lookup(&km, SCREEN_MATCHES, 'x'), REQ_QUIT);
    assert_int_equal(keymap_lookup(&km, SCREEN_MATCHES, 0x4e2d), REQ_HELP);
    /* `none` on the directory hides the generic q there only. */
    assert_int_equal(keymap_lookup(&km, SCREEN_DIRECTORY, 'q'), REQ_NONE);
    assert_int_equal(keymap_lookup(&km, SCREEN_MATCHES, 'q'), REQ_QUIT);
    unlink(path);
    /* A file that is not there says so. */
    errors = open_memstream(&report, &report_len);
    assert_int_equal(keymap_load_file(&km, "/nonexistent/keys", errors), -1);
    fclose(errors);
    assert_non_null(strstr(report, "/nonexistent/keys: cannot read"));
    free(report);
}

static void docs_match_the_tables(void **state)
{
    (void)state;
    struct keymap km;
    keymap_defaults(&km);
    char *generated = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&generated, &len);
    keymap_write_markdown(&km, out);
    fclose(out);
    char path[1024];
    snprintf(path, sizeof path, "%s/docs/keymaps.md", source_root());
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("%s is missing: write it with mento --keys-markdown", path);
    char *doc = calloc(1, len + 2);
    size_t got = fread(doc, 1, len + 1, f);
    fclose(f);
    if (got != len || memcmp(doc, generated, len) != 0)
        fail_msg("docs/keymaps.md differs from the tables: regenerate it with "
                 "mento --keys-markdown > docs/keymaps.md");
    free(doc);
    free(generated);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_names_round_trip),
        cmocka_unit_test(shipped_files_load_cleanly),
        cmocka_unit_test(every_request_has_a_key),
        cmocka_unit_test(broken_file_reports_and_applies_the_rest),
        cmocka_unit_test(docs_match_the_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
