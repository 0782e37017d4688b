/* The per-mail verdict rules (docs/mail.md §verdicts). Each rule appends
 * one signal per piece of evidence, so `kenchi mail show` can say exactly
 * why a mail counted. Spray-type is not here: it needs the whole corpus
 * (store_spray.c). */
#include "mail/stats.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

__attribute__((format(printf, 3, 4)))
static int add_signal(struct kn_signals *s, enum kn_verdict v, const char *fmt, ...)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        struct kn_signal *nv = realloc(s->v, cap * sizeof *nv);
        if (!nv)
            return -1;
        s->v = nv;
        s->cap = cap;
    }
    struct kn_signal *sig = &s->v[s->n++];
    sig->verdict = v;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sig->detail, sizeof sig->detail, fmt, ap);
    va_end(ap);
    return 0;
}

int kn_rule_unpublished(const struct kn_mail *m, const struct kn_mail_org *org, struct kn_signals *out)
{
    int added = 0;
    for (size_t i = 0; i < m->n_to; i++) {
        const char *addr = m->to[i].addr;
        const char *dom = kn_addr_domain(addr);
        if (!*dom || !kn_strlist_has_ci(&org->domains, dom) || kn_strlist_has_ci(&org->published, addr))
            continue;
        if (add_signal(out, KN_V_UNPUBLISHED, "recipient %s is in %s's domain %s but not published",
                       addr, org->name, dom) < 0)
            return -1;
        added++;
    }
    return added;
}

static const char *auth_name(enum kn_auth_result r)
{
    static const char *const names[] = {"none", "pass", "fail", "softfail", "neutral",
                                        "temperror", "permerror", "other"};
    return (unsigned)r < sizeof names / sizeof *names ? names[r] : "?";
}

int kn_rule_forged_strict(const struct kn_mail *m, const struct kn_mail_org *org, struct kn_signals *out)
{
    int added = 0;
    for (size_t i = 0; i < m->n_auth; i++) {
        const struct kn_mail_auth *a = &m->auth[i];
        if (!a->authserv_id || !kn_strlist_has_ci(&org->authserv_ids, a->authserv_id))
            continue;
        if (a->spf != KN_AUTH_FAIL && a->dkim != KN_AUTH_FAIL && a->dmarc != KN_AUTH_FAIL)
            continue;
        if (add_signal(out, KN_V_FORGED_STRICT, "trusted %s: spf=%s dkim=%s dmarc=%s", a->authserv_id,
                       auth_name(a->spf), auth_name(a->dkim), auth_name(a->dmarc)) < 0)
            return -1;
        added++;
    }
    return added;
}

/* Finds an address-like token (x@y.z) in a display name into buf. */
static bool address_in_text(const char *text, char *buf, size_t bufsz)
{
    const char *at = strchr(text, '@');
    while (at) {
        const char *s = at, *e = at + 1;
#define ADDR_CHAR(c) (isalnum((unsigned char)(c)) || strchr("._%+-", (c)))
        while (s > text && ADDR_CHAR(s[-1]))
            s--;
        while (*e && ADDR_CHAR(*e))
            e++;
#undef ADDR_CHAR
        const char *dot = memchr(at + 1, '.', (size_t)(e - at - 1));
        if (s < at && dot && dot + 1 < e && (size_t)(e - s) < bufsz) {
            memcpy(buf, s, (size_t)(e - s));
            buf[e - s] = '\0';
            return true;
        }
        at = strchr(at + 1, '@');
    }
    return false;
}

int kn_rule_forged_broad(const struct kn_mail *m, const struct kn_mail_org *org, struct kn_signals *out)
{
    int added = 0;
    const char *from = m->from.addr ? m->from.addr : "";
    const char *from_dom = kn_addr_domain(from);
    if (*from_dom && m->return_path && *m->return_path) {
        const char *rp_dom = kn_addr_domain(m->return_path);
        if (*rp_dom && !kn_domain_related(rp_dom, from_dom)) {
            if (add_signal(out, KN_V_FORGED_BROAD, "Return-Path domain %s differs from From domain %s",
                           rp_dom, from_dom) < 0)
                return -1;
            added++;
        }
    }
    char inner[256];
    if (*from && m->from.display && address_in_text(m->from.display, inner, sizeof inner) &&
        strcasecmp(inner, from) != 0) {
        if (add_signal(out, KN_V_FORGED_BROAD, "display name shows %s but From is %s", inner, from) < 0)
            return -1;
        added++;
    }
    for (size_t i = 0; *from_dom && i < m->n_reply_to; i++) {
        const char *rt_dom = kn_addr_domain(m->reply_to[i].addr);
        if (!*rt_dom || kn_domain_related(rt_dom, from_dom))
            continue;
        if (add_signal(out, KN_V_FORGED_BROAD, "Reply-To %s goes to another domain than From %s",
                       m->reply_to[i].addr, from_dom) < 0)
            return -1;
        added++;
    }
    if (*from_dom) {
        const char *like = NULL;
        for (size_t i = 0; !like && i < org->domains.n; i++)
            if (!kn_domain_related(from_dom, org->domains.v[i]) &&
                kn_domain_lookalike(from_dom, org->domains.v[i]))
                like = org->domains.v[i];
        for (size_t i = 0; !like && kn_well_known_domains[i]; i++)
            if (!kn_domain_related(from_dom, kn_well_known_domains[i]) &&
                kn_domain_lookalike(from_dom, kn_well_known_domains[i]))
                like = kn_well_known_domains[i];
        if (like) {
            if (add_signal(out, KN_V_FORGED_BROAD, "From domain %s looks like %s", from_dom, like) < 0)
                return -1;
            added++;
        }
    }
    return added;
}

static int encrypted_in(const struct kn_attachment *a, size_t n, const char *path, struct kn_signals *out)
{
    int added = 0;
    for (size_t i = 0; i < n; i++) {
        if (a[i].encrypted) {
            static const char *const enc[] = {"none", "zipcrypto", "aes", "other"};
            if (add_signal(out, KN_V_ENCRYPTED, "%s%s%s is an encrypted archive (%s)%s", path,
                           *path ? "/" : "", a[i].name ? a[i].name : "",
                           (unsigned)a[i].encryption < 4 ? enc[a[i].encryption] : "?",
                           a[i].password ? ", opened with a password from the mail" : "") < 0)
                return -1;
            added++;
        }
        if (a[i].n_members) {
            int r = encrypted_in(a[i].members, a[i].n_members, a[i].name ? a[i].name : "", out);
            if (r < 0)
                return -1;
            added += r;
        }
    }
    return added;
}

int kn_rule_encrypted(const struct kn_mail *m, struct kn_signals *out)
{
    return encrypted_in(m->attachments, m->n_attachments, "", out);
}

int kn_mail_judge(const struct kn_mail *m, const struct kn_mail_org *org, struct kn_signals *out,
                  struct kn_err *err)
{
    if (kn_rule_unpublished(m, org, out) < 0 || kn_rule_forged_strict(m, org, out) < 0 ||
        kn_rule_forged_broad(m, org, out) < 0 || kn_rule_encrypted(m, out) < 0) {
        kn_err_set(err, "out of memory judging a mail");
        return -1;
    }
    return 0;
}
