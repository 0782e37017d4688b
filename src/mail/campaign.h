/* Campaigns: clusters of stored mails linked by the same attachment
 * (SHA-256, archive members included), the same normalised text, or fuzzy
 * similarity of attachments (ssdeep fuzzy_compare >= KN_CAMPAIGN_SSDEEP_MIN)
 * — union-find over all links,
 * so A~B and B~C put A, B and C in one campaign (docs/mail.md §campaigns). */
#ifndef KENCHI_MAIL_CAMPAIGN_H
#define KENCHI_MAIL_CAMPAIGN_H

#include <stddef.h>

#include "mail/stats.h"
#include "mail/store.h"

#define KN_CAMPAIGN_SSDEEP_MIN 80

enum kn_campaign_link { KN_LINK_ATTACHMENT = 1, KN_LINK_TEXT = 2, KN_LINK_SSDEEP = 4 };

struct kn_campaign {
    long long id;              /* the smallest mail id in it */
    size_t n_mails;
    long long first_seen, last_seen; /* mail dates, Unix seconds */
    long long n_recipients;    /* distinct recipient addresses */
    unsigned links;            /* enum kn_campaign_link bits that joined it */
    struct kn_strlist orgs;    /* reporting organisations */
    struct kn_strlist subjects;/* distinct subjects, most frequent first (at most 10) */
    long long *mail_ids;       /* n_mails ids, ascending */
};

/* Computes the campaigns of two or more mails, largest first, into *out
 * (caller frees with kn_campaigns_free). */
int kn_mail_campaigns(struct kn_mail_store *st, struct kn_campaign **out, size_t *n, struct kn_err *err);
void kn_campaigns_free(struct kn_campaign *c, size_t n);

#endif
