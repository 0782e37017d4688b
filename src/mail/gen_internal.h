/* Private to gen*.c: a growable buffer, the random source, MIME encoding
 * helpers and attachment payload builders of the mail generator. */
#ifndef KENCHI_MAIL_GEN_INTERNAL_H
#define KENCHI_MAIL_GEN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/mail.h"
#include "util/err.h"

/* Growable byte buffer; .p freed by the owner with free(). Allocation
 * failure aborts: the generator is a tool, not a service. */
struct mgen_buf {
    char *p;
    size_t len, cap;
};
void mgb_add(struct mgen_buf *b, const void *p, size_t n);
void mgb_adds(struct mgen_buf *b, const char *s);
void mgb_printf(struct mgen_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mgb_free(struct mgen_buf *b);

struct mgen_rng {
    uint64_t s;
};
uint64_t mgen_rand(struct mgen_rng *r);
unsigned mgen_below(struct mgen_rng *r, unsigned n); /* uniform in [0, n) */
void mgen_letters(struct mgen_rng *r, char *out, size_t n, bool upper); /* n letters + NUL */

/* Writes n bytes to a new file at path. */
int mgen_write_file(const char *path, const void *p, size_t n, struct kn_err *err);

/* Base64 of p into b, lines of 76 characters ended by eol. */
void mgen_base64(struct mgen_buf *b, const void *p, size_t n, const char *eol);
/* UTF-8 text converted to ISO-2022-JP (with the CP50220 extensions) into b. */
int mgen_to_iso2022jp(struct mgen_buf *b, const char *utf8, struct kn_err *err);
/* An RFC 2047 encoded word for utf8 in ISO-2022-JP or UTF-8, B encoding. */
int mgen_encoded_word(struct mgen_buf *b, const char *utf8, bool iso2022jp, struct kn_err *err);

/* Content of a file of type t (pe, lnk, js, vbs, pdf, html, docm, xlsm)
 * with random bytes that make it unique; scripts and HTML also carry the
 * filler of their kit (the builder that made them). work_dir is a scratch
 * directory for the OOXML types (made with `zip`). */
int mgen_payload(enum kn_file_type t, unsigned kit, struct mgen_rng *r, const char *work_dir,
                 struct mgen_buf *out, struct kn_err *err);

enum mgen_zip_tool { MGEN_ZIP_PLAIN, MGEN_ZIP_PASSWORD /* zip -P: ZipCrypto */, MGEN_7Z_AES /* 7z a -p: AES-256 */ };
/* A zip archive of the n named members made by the real tool into out. */
int mgen_zip(const char *work_dir, enum mgen_zip_tool tool, const char *password, const char *const *names,
            const struct mgen_buf *contents, size_t n, struct mgen_buf *out, struct kn_err *err);

#endif
