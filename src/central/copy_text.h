/* Rows in the text format of PostgreSQL's COPY ... FROM STDIN, built in a
 * growable buffer that the caller hands to libpq and then empties. A push
 * sends its rows this way instead of one INSERT per row: one round trip
 * per buffer instead of one per row (docs/central.md). */
#ifndef KENCHI_CENTRAL_COPY_TEXT_H
#define KENCHI_CENTRAL_COPY_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kn_copy_text {
    char *buf;    /* owned: freed by kn_copy_text_free */
    size_t len;   /* bytes of complete and partial rows in buf */
    size_t cap;   /* allocated bytes of buf */
    bool in_row;  /* the row being built has a field already */
};

void kn_copy_text_init(struct kn_copy_text *t);
void kn_copy_text_free(struct kn_copy_text *t);

/* Each adds one field to the current row (a tab before it when it is not
 * the first) and returns 0, or -1 when memory ran out (the buffer is then
 * as before the call). */

/* n bytes of s, with backslash, tab, newline and carriage return escaped;
 * any other byte goes as it is (the server checks the encoding). */
int kn_copy_text_field(struct kn_copy_text *t, const char *s, size_t n);
/* SQL NULL. */
int kn_copy_text_null(struct kn_copy_text *t);
/* A local port set (docs/schema.md: 4-byte big-endian values) as an int[]
 * literal, the same array as the centre's kenchi_ports(bytea): each whole
 * group of 4 bytes is one value read as a signed 32-bit integer, a
 * trailing group of 1-3 bytes is ignored, and fewer than 4 bytes make {}. */
int kn_copy_text_ports(struct kn_copy_text *t, const uint8_t *b, size_t n);
/* Ends the current row. */
int kn_copy_text_end_row(struct kn_copy_text *t);

/* Empties the buffer once its rows have been handed on; between rows only
 * (the caller sends whole rows). */
void kn_copy_text_reset(struct kn_copy_text *t);
/* Drops the rows after the first len bytes, len being a length the buffer
 * had between rows (a row formatted and then found not worth sending). */
void kn_copy_text_truncate(struct kn_copy_text *t, size_t len);

#endif
