/* utf8.h - UTF-8 helpers: validation, counting, case-folding for search.
 * Everything that comes from outside is validated here before it is stored. */
#ifndef MENTO_UTF8_H
#define MENTO_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Strict RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF. */
bool utf8_valid(const char *s, size_t len);
/* Number of code points in a valid UTF-8 string. */
size_t utf8_codepoints(const char *s, size_t len);
/* A copy for case- and accent-insensitive search: Latin letters lower-cased
 * and stripped of diacritics (Latin-1, Latin Extended-A/B and the Vietnamese
 * letters of Latin Extended Additional: "Nguyễn" -> "nguyen", "Çelik" ->
 * "celik"); other scripts copied unchanged. Invalid UTF-8 is copied bytewise.
 * Caller frees; NULL when out of memory. */
char *utf8_fold(const char *s);

#endif
