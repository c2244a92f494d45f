/* utf8.c - strict UTF-8 validation and the folding used by search, so that
 * "nguyen" finds "Nguyễn" and "ELODIE" finds "Élodie". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mento/utf8.h"

/* Decode one code point; returns its length in bytes, 0 when invalid. */
static size_t decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    uint32_t v, min;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        v = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        v = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

bool utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = decode(p + i, len - i, &cp);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

size_t utf8_codepoints(const char *s, size_t len)
{
    size_t count = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            count++;
    return count;
}

/* Base letters of U+00C0..U+00FF ('.' = keep as is; '1' = "ae", '2' = "th",
 * '3' = "ss"). */
static const char latin1[64] = "aaaaaa1ceeeeiiiidnooooo.ouuuuy23"
                               "aaaaaa1ceeeeiiiidnooooo.ouuuuy2y";

/* Base letters of U+0100..U+017F ('4' = "ij", '5' = "oe"). */
static const char latin_ext_a[128] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii44jjkkk"
                                     "llllllllllnnnnnnnnnoooooo55rrrrrrssssssssttttttuuuuuuuuuuuu"
                                     "wwyyyzzzzzzs";

static const char *expand(char c)
{
    switch (c) {
    case '1':
        return "ae";
    case '2':
        return "th";
    case '3':
        return "ss";
    case '4':
        return "ij";
    case '5':
        return "oe";
    default:
        return NULL;
    }
}

/* The folded form of a Latin letter as ASCII, or 0 to keep the code point. */
static char fold_latin(uint32_t cp)
{
    if (cp >= 0xc0 && cp <= 0xff)
        return latin1[cp - 0xc0];
    if (cp >= 0x100 && cp <= 0x17f)
        return latin_ext_a[cp - 0x100];
    if (cp == 0x1a0 || cp == 0x1a1)
        return 'o'; /* Vietnamese horned o */
    if (cp == 0x1af || cp == 0x1b0)
        return 'u'; /* Vietnamese horned u */
    if (cp >= 0x1ea0 && cp <= 0x1ef9) {
        /* Vietnamese letters with tone marks, in Unicode's own order. */
        if (cp <= 0x1eb7)
            return 'a';
        if (cp <= 0x1ec7)
            return 'e';
        if (cp <= 0x1ecb)
            return 'i';
        if (cp <= 0x1ee3)
            return 'o';
        if (cp <= 0x1ef1)
            return 'u';
        return 'y';
    }
    return 0;
}

/* Lower case of Greek and Cyrillic capitals; other code points unchanged. */
static uint32_t fold_case(uint32_t cp)
{
    if (cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2)
        return cp + 0x20;
    if (cp >= 0x410 && cp <= 0x42f)
        return cp + 0x20;
    if (cp >= 0x400 && cp <= 0x40f)
        return cp + 0x50;
    return cp;
}

static size_t encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

char *utf8_fold(const char *s)
{
    size_t len = strlen(s);
    /* Folding never lengthens a character: two-letter expansions replace
     * two-byte characters, and case folding keeps the byte length. */
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = decode(p + i, len - i, &cp);
        if (n == 0) {
            out[o++] = (char)p[i++]; /* invalid: copied bytewise */
            continue;
        }
        i += n;
        if (cp < 0x80) {
            out[o++] = (cp >= 'A' && cp <= 'Z') ? (char)(cp + 32) : (char)cp;
            continue;
        }
        char base = fold_latin(cp);
        if (base && base != '.') {
            const char *two = expand(base);
            if (two) {
                out[o++] = two[0];
                out[o++] = two[1];
            } else {
                out[o++] = base;
            }
            continue;
        }
        o += encode(fold_case(cp), out + o);
    }
    out[o] = '\0';
    return out;
}
