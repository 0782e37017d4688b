/* Look-alike sender domains for the broad forged-sender verdict: a From
 * domain one or two edits away from the reporting organisation's own
 * domains or from a well-known brand, or equal to one after folding
 * characters that look alike (0/o, 1/l/i, rn/m, vv/w). */
#include "mail/stats.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Domains Japanese targeted and phishing mail most often imitates. */
const char *const kn_well_known_domains[] = {
    "amazon.co.jp", "amazon.com", "rakuten.co.jp", "yahoo.co.jp", "google.com", "gmail.com",
    "microsoft.com", "outlook.com", "apple.com", "paypal.com", "mufg.jp", "smbc.co.jp",
    "mizuhobank.co.jp", "japanpost.jp", "sagawa-exp.co.jp", "kuronekoyamato.co.jp",
    "docomo.ne.jp", "softbank.jp", "nta.go.jp", "mercari.com", "aeon.co.jp", "jcb.co.jp",
    "saisoncard.co.jp", "npa.go.jp", "nisc.go.jp", NULL,
};

const char *kn_addr_domain(const char *addr)
{
    const char *at = addr ? strrchr(addr, '@') : NULL;
    return at ? at + 1 : "";
}

bool kn_domain_related(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la == lb)
        return !strcasecmp(a, b);
    const char *lng = la > lb ? a : b, *sht = la > lb ? b : a;
    size_t ll = la > lb ? la : lb, ls = la > lb ? lb : la;
    return ls > 0 && lng[ll - ls - 1] == '.' && !strcasecmp(lng + ll - ls, sht);
}

int kn_edit_distance(const char *a, const char *b, int cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if ((la > lb ? la - lb : lb - la) > (size_t)cap)
        return cap + 1;
    if (la > 253 || lb > 253) /* longer than any domain name: not a look-alike */
        return cap + 1;
    /* Three rolling rows of the optimal-string-alignment table. */
    int rows[3][254];
    int *pp = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        int rowmin = cur[0];
        for (size_t j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            int cost = ca != cb;
            int v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (prev[j - 1] + cost < v)
                v = prev[j - 1] + cost;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            cur[j] = v;
            if (v < rowmin)
                rowmin = v;
        }
        if (rowmin > cap)
            return cap + 1;
        int *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb] > cap ? cap + 1 : prev[lb];
}

/* Lower-cases and folds look-alike characters into out (size >= len+1). */
static void homoglyph_fold(const char *s, char *out, size_t outsz)
{
    size_t w = 0;
    for (size_t i = 0; s[i] && w + 1 < outsz; i++) {
        char c = (char)tolower((unsigned char)s[i]);
        char next = (char)tolower((unsigned char)s[i + 1]);
        if (c == 'r' && next == 'n') {
            out[w++] = 'm';
            i++;
        } else if (c == 'v' && next == 'v') {
            out[w++] = 'w';
            i++;
        } else if (c == '0') {
            out[w++] = 'o';
        } else if (c == '1' || c == 'i') {
            out[w++] = 'l';
        } else {
            out[w++] = c;
        }
    }
    out[w] = '\0';
}

bool kn_domain_lookalike(const char *domain, const char *target)
{
    if (!*domain || !*target || !strcasecmp(domain, target))
        return false;
    char fd[256], ft[256];
    homoglyph_fold(domain, fd, sizeof fd);
    homoglyph_fold(target, ft, sizeof ft);
    if (!strcmp(fd, ft))
        return true;
    if (strlen(target) < 6)
        return false;
    return kn_edit_distance(domain, target, 2) <= 2;
}
