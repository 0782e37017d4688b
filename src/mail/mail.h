/* The parsed form of one e-mail: what the MIME parser extracts and all that
 * mail analysis (statistics, campaigns, verdicts) looks at. All strings are
 * NUL-terminated UTF-8 (decoded from whatever charset the mail used), owned
 * by the struct kn_mail and freed by kn_mail_free().
 *
 * The values of enum kn_file_type are stored in databases: append only. */
#ifndef KENCHI_MAIL_MAIL_H
#define KENCHI_MAIL_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/err.h"

struct kn_mail_addr {
    char *addr;    /* local@domain, lower-cased domain; "" when unparseable */
    char *display; /* decoded display name, "" when none */
};

struct kn_mail_hop { /* one Received: header, top (newest) first */
    char *from_host;   /* "from" clause host name, "" when none */
    char *from_ip;     /* IP literal found in the from clause, "" when none */
    char *by_host;     /* "by" clause host */
    time_t when;       /* date after ';', 0 when unparseable */
};

enum kn_auth_result { KN_AUTH_NONE = 0, KN_AUTH_PASS, KN_AUTH_FAIL, KN_AUTH_SOFTFAIL,
                      KN_AUTH_NEUTRAL, KN_AUTH_TEMPERROR, KN_AUTH_PERMERROR, KN_AUTH_OTHER };

struct kn_mail_auth { /* one Authentication-Results: header */
    char *authserv_id;              /* who wrote it: only trusted when configured */
    enum kn_auth_result spf, dkim, dmarc;
};

/* Content types detected from bytes (libmagic + own checks), not from names. */
enum kn_file_type {
    KN_FT_UNKNOWN = 0, KN_FT_TEXT = 1, KN_FT_HTML = 2, KN_FT_PDF = 3,
    KN_FT_ZIP = 4, KN_FT_RAR = 5, KN_FT_7Z = 6, KN_FT_GZIP = 7,
    KN_FT_DOC = 8,     /* OLE2 Word */
    KN_FT_XLS = 9,     /* OLE2 Excel */
    KN_FT_DOCX = 10, KN_FT_XLSX = 11, KN_FT_PPTX = 12,
    KN_FT_DOCM = 13, KN_FT_XLSM = 14, /* OOXML with macros (vbaProject.bin) */
    KN_FT_PE = 15,     /* Windows executable / DLL */
    KN_FT_LNK = 16,    /* Windows shortcut */
    KN_FT_ISO = 17,    /* ISO 9660 / IMG disk image */
    KN_FT_JS = 18, KN_FT_VBS = 19, KN_FT_HTA = 20, KN_FT_RTF = 21,
    KN_FT_IMAGE = 22, KN_FT_OLE_OTHER = 23, KN_FT_EML = 24, KN_FT_ONENOTE = 25,
    KN_FT_CAB = 26, KN_FT_SCRIPT_OTHER = 27, KN_FT_ELF = 28, KN_FT_BINARY = 29,
    KN_FT_PPTM = 30,   /* PowerPoint OOXML with macros */
    KN_FT__COUNT
};

const char *kn_file_type_name(enum kn_file_type t); /* "zip", "docm", ... */

enum kn_encryption { KN_ENC_NONE = 0, KN_ENC_ZIPCRYPTO = 1, KN_ENC_AES = 2, KN_ENC_OTHER = 3 };

struct kn_attachment {
    char *name;              /* decoded file name (RFC 2231/2047), "" when none */
    size_t size;             /* decoded size in bytes */
    char md5[33], sha1[41], sha256[65]; /* lower-case hex */
    char *ssdeep;            /* fuzzy hash, "" when not computed */
    enum kn_file_type type;  /* from content */
    bool name_lies;          /* the name's extension does not fit the content type */
    /* For archives: members, in archive order. An encrypted member's name is
     * known even without the password; its type is known only if opened. */
    bool is_archive;
    bool encrypted;          /* any member encrypted */
    enum kn_encryption encryption;
    char *password;          /* the password from the mail text that opened it, or NULL */
    struct kn_attachment *members;
    size_t n_members;
    char *error;             /* why analysis stopped short (bomb, too deep, corrupt), or NULL */
    /* As an archive member: stored encrypted inside its parent archive
     * (then type/hashes are known only if a password from the mail opened it). */
    bool stored_encrypted;
    enum kn_encryption stored_encryption;
};

struct kn_mail {
    char *message_id;
    struct kn_mail_addr from;
    char *return_path;       /* envelope sender address, "" when none */
    struct kn_mail_addr *reply_to; size_t n_reply_to;
    struct kn_mail_addr *to;       size_t n_to;   /* To + Cc (+ Delivered-To/X-Original-To when no To) */
    char *subject;           /* decoded */
    time_t date;             /* Date header, 0 when missing/unparseable */
    struct kn_mail_hop *hops; size_t n_hops;
    char *originating_ip;    /* first external hop's IP, "" when unknown */
    struct kn_mail_auth *auth; size_t n_auth;
    char **urls; size_t n_urls;         /* from text and HTML parts, de-duplicated */
    char *body_text;         /* decoded text (text/plain, or HTML stripped) for normalisation */
    struct kn_attachment *attachments; size_t n_attachments;
    bool was_forwarded;      /* analysed the message/rfc822 inside a forwarding report */
    /* Added by the parser (fields below are appended, meanings above unchanged): */
    char **domains; size_t n_domains;   /* lower-cased host names of urls, de-duplicated */
    struct kn_mail_addr reported_by;    /* From of the forwarding report when was_forwarded, else "" */
    char **warnings; size_t n_warnings; /* parse problems met and recovered from */
};

/* Parses one message (RFC 5322 bytes; LF, CRLF or CR line ends). A
 * forwarding report that carries the original as message/rfc822 yields the
 * inner mail (was_forwarded set). On success *out is owned by the caller
 * (kn_mail_free). Returns 0, or -1 with err set for a message that cannot
 * be analysed at all; recoverable problems go to warnings. */
int kn_mail_parse(const uint8_t *data, size_t len, struct kn_mail **out, struct kn_err *err);

/* Tunes the process's allocator for parsing many mails in a row: parsing
 * allocates and frees multi-megabyte buffers per message, and with glibc's
 * defaults each is a fresh mmap/munmap (a TLB flush) and the heap top is
 * trimmed after every message. Keeping them in the heap made ingest about a
 * quarter faster (bench/mail.sh). Call once, before a batch. */
void kn_mail_tune_allocator(void);

/* Frees everything the mail owns, then the mail itself. NULL is fine. */
void kn_mail_free(struct kn_mail *mail);

#endif
