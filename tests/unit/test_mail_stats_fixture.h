/* Hand-built mails and organisations for the mail analysis unit tests: a
 * struct kn_mail as the parser would fill it, from string literals, so the
 * rules can be tested without the parser. Nothing here allocates except
 * fx_org (freed with kn_mail_org_free_fields). */
#ifndef TEST_MAIL_STATS_FIXTURE_H
#define TEST_MAIL_STATS_FIXTURE_H

#include "mail/mail.h"
#include "mail/stats.h"

#define S(x) ((char *)(x))

/* A plain mail from a partner to one recipient; tests change what they need. */
static inline struct kn_mail fx_mail(void)
{
    struct kn_mail m = {0};
    m.message_id = S("<20201105.1234@partner-shoji.co.jp>");
    m.from.addr = S("tanaka@partner-shoji.co.jp");
    m.from.display = S("田中 一郎");
    m.return_path = S("tanaka@partner-shoji.co.jp");
    m.subject = S("見積依頼");
    m.date = 1604534400; /* 2020-11-05 00:00:00 UTC */
    m.body_text = S("いつもお世話になっております。\n見積書を添付いたします。\n");
    m.originating_ip = S("");
    return m;
}

/* The reporting organisation "victim": domain victim.co.jp, trusted
 * authserv-id mx.victim.co.jp, published address info@victim.co.jp. */
static inline struct kn_mail_org fx_org(const char *name, const char *domain)
{
    struct kn_mail_org o = {0};
    o.name = strdup(name);
    char buf[256];
    kn_strlist_add(&o.domains, domain);
    snprintf(buf, sizeof buf, "mx.%s", domain);
    kn_strlist_add(&o.authserv_ids, buf);
    snprintf(buf, sizeof buf, "info@%s", domain);
    kn_strlist_add(&o.published, buf);
    return o;
}

static inline struct kn_attachment fx_attachment(const char *name, enum kn_file_type type, const char *sha256)
{
    struct kn_attachment a = {0};
    a.name = S(name);
    a.type = type;
    a.size = 1234;
    snprintf(a.sha256, sizeof a.sha256, "%s", sha256);
    a.ssdeep = S("");
    return a;
}

#endif
