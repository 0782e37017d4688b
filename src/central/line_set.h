/* A set of byte strings (lines of COPY's text format): an incremental push
 * holds the centre's rows of the days it sends, as the centre prints them,
 * and sends only the local rows whose text is not among them. Equal text
 * means equal values, since both sides' text parses back to their values;
 * text that differs only in how it is written (an escape one side uses and
 * the other does not) merely sends a row again. */
#ifndef KENCHI_CENTRAL_LINE_SET_H
#define KENCHI_CENTRAL_LINE_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kn_line_set {
    char *bytes;      /* every line, one after another; owned */
    size_t used, cap; /* of bytes */
    uint64_t *ends;   /* ends[i]: end of line i in bytes (its start: ends[i - 1] or 0); owned */
    size_t n, n_cap;  /* lines, and room in ends */
    uint32_t *slots;  /* open addressing: line index + 1, 0 = empty; owned */
    size_t n_slots;   /* a power of two, at least twice n */
};

void kn_line_set_init(struct kn_line_set *s);
void kn_line_set_free(struct kn_line_set *s);

/* Adds the n bytes at p (a copy). A line already there is not added twice.
 * 0, or -1 when memory ran out or the set would pass 2^31 lines. */
int kn_line_set_add(struct kn_line_set *s, const char *p, size_t n);

/* Whether the n bytes at p are in the set. */
bool kn_line_set_has(const struct kn_line_set *s, const char *p, size_t n);

#endif
