/* Generator of realistic targeted-attack mail with ground truth: Japanese
 * business mails (ISO-2022-JP and UTF-8), Emotet-style replies quoting a
 * thread with password-protected zips made by the real `zip -P` and
 * `7z a -p` tools, forged senders of each kind, spray campaigns beside
 * one-off mails, re-reported duplicates, over six months across two
 * half-years and two years. The truth file holds the expected
 * `kenchi mail report` per month, half and year, computed from what was
 * constructed (not by kenchi's analysis). Layout: docs/mail.md §generator. */
#ifndef KENCHI_MAIL_GEN_H
#define KENCHI_MAIL_GEN_H

#include <stdint.h>

#include "util/err.h"

struct kn_mailgen_opts {
    const char *out_dir;    /* created; gets orgs.txt, published/, one folder per org */
    const char *truth_path; /* TRUTH.json */
    uint64_t seed;
    unsigned count;         /* distinct mails to generate (approximately: campaigns are whole) */
};

/* Generates the corpus. Needs `zip` and `7z` on PATH. */
int kn_mailgen_run(const struct kn_mailgen_opts *o, struct kn_err *err);

#endif
