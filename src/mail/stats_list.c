/* Small owned lists the mail rules pass around: strings (an organisation's
 * domains, trusted authserv-ids, published addresses) and signals. */
#include "mail/stats.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int kn_strlist_add(struct kn_strlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 4;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    char *copy = strdup(s);
    if (!copy)
        return -1;
    l->v[l->n++] = copy;
    return 0;
}

bool kn_strlist_has_ci(const struct kn_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcasecmp(l->v[i], s))
            return true;
    return false;
}

void kn_strlist_free(struct kn_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

void kn_mail_org_free_fields(struct kn_mail_org *org)
{
    free(org->name);
    kn_strlist_free(&org->domains);
    kn_strlist_free(&org->authserv_ids);
    kn_strlist_free(&org->published);
    memset(org, 0, sizeof *org);
}

static const char *const verdict_names[KN_V__COUNT] = {
    [KN_V_SPRAY] = "spray",
    [KN_V_UNPUBLISHED] = "unpublished",
    [KN_V_FORGED_STRICT] = "forged_strict",
    [KN_V_FORGED_BROAD] = "forged_broad",
    [KN_V_ENCRYPTED] = "encrypted_archive",
};

const char *kn_verdict_name(enum kn_verdict v)
{
    return (unsigned)v < KN_V__COUNT ? verdict_names[v] : "?";
}

void kn_signals_free(struct kn_signals *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

bool kn_signals_has(const struct kn_signals *s, enum kn_verdict v)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].verdict == v)
            return true;
    return false;
}
