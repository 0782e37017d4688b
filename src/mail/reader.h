/* Ingest readers: every message in a path, whatever holds it. A path may
 * be one .eml file, an mbox file (From_ lines; ">From " unquoted, mboxrd
 * style), a maildir (cur/ and new/), or a directory of mail files (walked
 * recursively, in name order; maildirs inside are recognised). Each
 * message goes to a callback with a source label: "dir/a.eml",
 * "box.mbox#12" (1-based), "maildir/cur/1234.host:2,S". Files that cannot
 * be read go to the error callback: nothing is dropped silently. */
#ifndef KENCHI_MAIL_READER_H
#define KENCHI_MAIL_READER_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define KN_READER_MAX_FILE ((size_t)1 << 30) /* files above 1 GiB are refused */

struct kn_mail_reader_cb {
    /* One message; its bytes live only during the call. Return non-zero to stop. */
    int (*message)(const uint8_t *data, size_t len, const char *label, void *ctx);
    /* A file or directory that could not be read (may be NULL: then ignored). */
    void (*error)(const char *label, const char *msg, void *ctx);
    void *ctx;
};

/* Reads path. Returns 0 when walked to the end, 1 when the message
 * callback asked to stop, -1 with err set when path itself is unusable. */
int kn_mail_read_path(const char *path, const struct kn_mail_reader_cb *cb, struct kn_err *err);

/* Splits an mbox held in memory; labels are "LABEL#N". Same returns. */
int kn_mail_read_mbox_buf(const uint8_t *data, size_t len, const char *label,
                          const struct kn_mail_reader_cb *cb);

#endif
