/* Internals of the mail parser shared between its files (not for other
 * modules: they use mail.h and reader.h). Limits, a growable byte buffer,
 * and the helpers each parser file exports to the others. */
#ifndef KENCHI_MAIL_INTERNAL_H
#define KENCHI_MAIL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mail/mail.h"

/* Limits: hitting one is a warning or an attachment error, never a crash.
 * They are documented in docs/mail-parsing.md. */
#define KN_MAIL_MAX_INPUT      ((size_t)128 << 20) /* bytes of one message */
#define KN_MAIL_MAX_MIME_DEPTH 24                  /* nested multiparts/messages walked */
#define KN_MAIL_MAX_PARTS      2000                /* leaf parts per message */
#define KN_MAIL_MAX_ATTACH     256                 /* attachments recorded per message */
#define KN_MAIL_MAX_FORWARD    3                   /* forwarding reports unwrapped */
#define KN_MAIL_MAX_URLS       256
#define KN_MAIL_MAX_BODY       ((size_t)1 << 20)   /* bytes of body_text */
#define KN_MAIL_MAX_WARNINGS   64
#define KN_MAIL_MAX_HOPS       64
#define KN_MAIL_MAX_ADDRS      1024                /* recipients kept */
#define KN_ARC_MAX_DEPTH       4                   /* archives inside archives */
#define KN_ARC_MAX_MEMBERS     1000                /* members listed per archive */
#define KN_ARC_MAX_ALL_MEMBERS 10000               /* members listed per message, all archives */
#define KN_ARC_MAX_MEMBER      ((size_t)64 << 20)  /* bytes unpacked from one member */
#define KN_ARC_MAX_TOTAL       ((size_t)128 << 20) /* bytes unpacked per message */
#define KN_SSDEEP_MAX          ((size_t)16 << 20)  /* no fuzzy hash beyond this size */
#define KN_MAX_PASSWORDS       16                  /* candidate passwords tried */

/* Growable byte buffer; always NUL-terminated after kn_buf_* calls.
 * The owner frees .data with free(). Allocation failure aborts: a parser
 * that silently loses text is worse than a clear out-of-memory exit. */
struct kn_buf {
    char *data;
    size_t len, cap;
};
void kn_buf_add(struct kn_buf *b, const void *p, size_t n);
void kn_buf_addc(struct kn_buf *b, char c);
void kn_buf_adds(struct kn_buf *b, const char *s);
char *kn_buf_take(struct kn_buf *b); /* returns data ("" when empty), caller frees */

void *kn_xmalloc(size_t n);                 /* aborts on failure; caller frees */
void *kn_xrealloc(void *p, size_t n);       /* aborts on failure */
char *kn_xstrdup(const char *s);            /* caller frees; NULL -> "" */
char *kn_xstrndup(const char *s, size_t n); /* caller frees */
/* Appends one element of size sz to *arr (count *n), growing by doubling
 * when *n is a power of two; returns the new (zeroed) slot. */
void *kn_xpush(void *arr_ptr, size_t *n, size_t sz);

/* charset.c: bytes in a charset (label may be NULL or wrong) -> UTF-8.
 * Never fails: undecodable bytes become U+FFFD. Caller frees. */
char *kn_charset_to_utf8(const char *label, const uint8_t *in, size_t len);
bool kn_utf8_valid(const uint8_t *s, size_t len);

/* rfc2047.c: an unfolded or folded header value -> decoded UTF-8 with
 * adjacent encoded words of one charset joined before decoding. Caller frees. */
char *kn_header_decode(const char *raw);
/* Unfolds (drops CR/LF of folding) and trims; caller frees. */
char *kn_header_unfold(const char *raw);

/* params.c: a MIME parameter (RFC 2045 / 2231 with continuations and
 * charsets; RFC 2047 inside quotes tolerated) from a Content-Type or
 * Content-Disposition value. Returns decoded UTF-8 (caller frees) or NULL. */
char *kn_mime_param(const char *value, const char *name);

/* addr.c: address lists. Appends to *arr / *n (at most KN_MAIL_MAX_ADDRS). */
void kn_addr_list_parse(const char *raw, struct kn_mail_addr **arr, size_t *n);
/* One address: the first of a list, or {"",""}; fills *out (strings owned). */
void kn_addr_parse_one(const char *raw, struct kn_mail_addr *out);
void kn_addr_free(struct kn_mail_addr *a);

/* headers.c: Received and Authentication-Results. */
void kn_received_parse(const char *raw, struct kn_mail_hop *hop);
void kn_auth_results_parse(const char *raw, struct kn_mail_auth *auth);
bool kn_ip_is_public(const char *ip);
time_t kn_date_parse(const char *s); /* RFC 5322 date -> time_t, 0 when bad */

/* urls.c */
struct kn_url_set {
    char **urls; size_t n_urls;
    char **domains; size_t n_domains;
};
void kn_urls_scan(struct kn_url_set *set, const char *text, size_t len, bool html);
/* HTML -> text (tags dropped, script/style skipped, basic entities). Caller frees. */
char *kn_html_to_text(const char *html, size_t len);

/* passwords.c: candidate archive passwords found in text, best first. */
size_t kn_password_candidates(const char *text, char **out, size_t max);

/* filetype.c */
enum kn_file_type kn_file_type_detect(const uint8_t *p, size_t len);
bool kn_file_name_lies(const char *name, enum kn_file_type t);

/* zipdir.c: a zip's central directory read by hand (names and encryption
 * are visible without the password). Returns the member count, or -1 when
 * no central directory is found. Each member's name (caller frees each and
 * the array) and encryption go to *names / *enc when non-NULL. */
struct kn_zip_member {
    char *name;
    enum kn_encryption enc;
    uint64_t csize, usize;
    uint64_t local_off; /* offset of its local header in the bytes given (unchecked) */
};
long kn_zip_members(const uint8_t *p, size_t len, struct kn_zip_member **out, size_t max);
void kn_zip_members_free(struct kn_zip_member *m, size_t n);

/* zippass.c: does pw pass the check value of the encrypted member whose
 * local header is at p + local_off (WinZip AES verifier, ZipCrypto check
 * byte)? 1: it passes (probably right: decrypting confirms), 0: surely
 * wrong, -1: cannot tell (no local header there, not encrypted, another
 * encryption, truncated). */
int kn_zip_password_check(const uint8_t *p, size_t len, uint64_t local_off, const char *pw);
/* Block `index` (1-based) of PBKDF2-HMAC-SHA1 (RFC 8018): 20 bytes. */
void kn_pbkdf2_sha1_block(const uint8_t *pw, size_t pwlen, const uint8_t *salt, size_t saltlen,
                          unsigned iterations, uint32_t index, uint8_t out[20]);

/* attach.c: everything about one file's bytes (recursing into archives). */
struct kn_attach_ctx {
    /* candidate passwords (KN_MAX_PASSWORDS slots), filled from
     * password_text on first need by kn_attach_passwords() */
    char **passwords; size_t n_passwords;
    const char *password_text; /* the mail's readable text, or NULL */
    bool passwords_found;
    const char *last_opened; /* the candidate that opened the last archive, or NULL */
    size_t unpacked_total; /* bytes unpacked so far for this message */
    size_t members_total;  /* archive members listed so far for this message */
};
void kn_attach_analyse(struct kn_attachment *a, const uint8_t *p, size_t len,
                       struct kn_attach_ctx *ctx, int depth);
void kn_attach_free(struct kn_attachment *a);
/* Finds the candidate passwords in ctx->password_text once (most mails
 * carry no encrypted archive and never pay for the scan); returns the count. */
size_t kn_attach_passwords(struct kn_attach_ctx *ctx);

/* archive.c: fills a->members / encryption for an archive's bytes. */
void kn_archive_analyse(struct kn_attachment *a, const uint8_t *p, size_t len,
                        struct kn_attach_ctx *ctx, int depth);

#endif
