/* Mail verdicts: the rules that decide, for one parsed mail and the
 * organisation that reported it, whether it went to an unpublished address,
 * whether its sender looks forged (strict and broad tiers), whether it
 * carries an encrypted archive — each with the signals behind it — and the
 * text normalisation whose hash decides spray-type campaigns. Pure functions
 * over struct kn_mail, so each rule is unit-tested with hand-built mails.
 * Definitions (docs/mail.md §verdicts) are the contract. */
#ifndef KENCHI_MAIL_STATS_H
#define KENCHI_MAIL_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "mail/mail.h"
#include "util/err.h"

/* A growable list of owned strings. kn_strlist_free frees the strings and
 * the array (not the struct itself, usually embedded). */
struct kn_strlist {
    char **v;
    size_t n, cap;
};
int kn_strlist_add(struct kn_strlist *l, const char *s); /* copies s; -1 on OOM */
bool kn_strlist_has_ci(const struct kn_strlist *l, const char *s); /* ASCII case-insensitive */
void kn_strlist_free(struct kn_strlist *l);

/* One reporting organisation as the rules need it. */
struct kn_mail_org {
    long long id;                   /* row id in mail_org; 0 when not stored */
    char *name;
    struct kn_strlist domains;      /* its mail domains, lower case */
    struct kn_strlist authserv_ids; /* trusted Authentication-Results writers */
    struct kn_strlist published;    /* addresses published on the Internet */
};
void kn_mail_org_free_fields(struct kn_mail_org *org); /* frees members, not org */

/* Verdict kinds; stored by name (kn_verdict_name) in mail_signal. */
enum kn_verdict {
    KN_V_SPRAY = 0,
    KN_V_UNPUBLISHED,
    KN_V_FORGED_STRICT,
    KN_V_FORGED_BROAD, /* a broad-only signal; the broad verdict is strict || these */
    KN_V_ENCRYPTED,
    KN_V__COUNT
};
const char *kn_verdict_name(enum kn_verdict v);

struct kn_signal {
    enum kn_verdict verdict;
    char detail[240]; /* human-readable: which header, which value */
};

/* Signals found for one mail. Owned array; kn_signals_free frees it. */
struct kn_signals {
    struct kn_signal *v;
    size_t n, cap;
};
void kn_signals_free(struct kn_signals *s);
bool kn_signals_has(const struct kn_signals *s, enum kn_verdict v);

/* Appends the signals of every per-mail rule (all but spray, which needs
 * the whole corpus) for mail m reported by org. -1 only on OOM. */
int kn_mail_judge(const struct kn_mail *m, const struct kn_mail_org *org,
                  struct kn_signals *out, struct kn_err *err);

/* The individual rules, exposed for tests. Each appends its signals and
 * returns how many it added (or -1 on OOM). */
int kn_rule_unpublished(const struct kn_mail *m, const struct kn_mail_org *org, struct kn_signals *out);
int kn_rule_forged_strict(const struct kn_mail *m, const struct kn_mail_org *org, struct kn_signals *out);
int kn_rule_forged_broad(const struct kn_mail *m, const struct kn_mail_org *org, struct kn_signals *out);
int kn_rule_encrypted(const struct kn_mail *m, struct kn_signals *out);

/* Broad verdict helpers. */
const char *kn_addr_domain(const char *addr); /* part after the last '@', or "" */
/* Same organisation's domain: equal, or one a subdomain of the other. */
bool kn_domain_related(const char *a, const char *b);
/* Damerau-Levenshtein (optimal string alignment) distance, ASCII case-folded,
 * capped: returns cap+1 when the distance exceeds cap. */
int kn_edit_distance(const char *a, const char *b, int cap);
/* A look-alike of target: not equal, and equal after homoglyph folding or
 * within edit distance 1..2 (targets of 6+ characters). */
bool kn_domain_lookalike(const char *domain, const char *target);
/* Built-in list of well-known domains senders impersonate; NULL-terminated. */
extern const char *const kn_well_known_domains[];

/* Spray normalisation: writes into out (malloc'd, caller frees) the
 * normalised form of text: quoted lines (starting with '>' or '＞') dropped,
 * URLs dropped, full-width ASCII and the ideographic space folded to ASCII,
 * half-width katakana to full-width, ASCII lower-cased, every whitespace
 * character and digit dropped. Returns its length, -1 on OOM. */
long kn_text_normalise(const char *text, char **out);

/* SHA-256 hex of the normalised text into hex[65]; returns false (hex = "")
 * when the normalised text is empty, so empty bodies never cluster. */
bool kn_text_hash(const char *text, char hex[65]);

#endif
