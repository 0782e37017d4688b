/* Trace and authentication headers: Received hops (from host/IP, by host,
 * date) and Authentication-Results (authserv-id with SPF, DKIM, DMARC).
 * Whether an Authentication-Results header is trusted is not decided here:
 * the analysis knows each organisation's own authserv-ids. */
#include <arpa/inet.h>
#include <ctype.h>
#include <gmime/gmime.h>
#include <string.h>
#include <strings.h>

#include "mail/internal.h"

time_t kn_date_parse(const char *s)
{
    if (!s || !*s)
        return 0;
    GDateTime *dt = g_mime_utils_header_decode_date(s);
    if (!dt)
        return 0;
    gint64 t = g_date_time_to_unix(dt);
    g_date_time_unref(dt);
    return t > 0 ? (time_t)t : 0;
}

bool kn_ip_is_public(const char *ip)
{
    uint8_t b[16];
    if (inet_pton(AF_INET, ip, b) == 1) {
    v4:
        if (b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224) return false;
        if (b[0] == 100 && (b[1] & 0xC0) == 64) return false;   /* CGNAT */
        if (b[0] == 169 && b[1] == 254) return false;
        if (b[0] == 172 && (b[1] & 0xF0) == 16) return false;
        if (b[0] == 192 && b[1] == 168) return false;
        if (b[0] == 192 && b[1] == 0 && b[2] == 0) return false;
        if (b[0] == 198 && (b[1] & 0xFE) == 18) return false;   /* benchmarking */
        return true; /* documentation ranges count as public: test data uses them */
    }
    if (inet_pton(AF_INET6, ip, b) == 1) {
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
        if (!memcmp(b, mapped, 12)) {
            memmove(b, b + 12, 4);
            goto v4;
        }
        static const uint8_t zero[15] = {0};
        if (!memcmp(b, zero, 15) && b[15] <= 1) return false; /* :: and ::1 */
        if ((b[0] & 0xFE) == 0xFC) return false;               /* ULA */
        if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return false; /* link-local */
        if (b[0] == 0xFF) return false;
        return true;
    }
    return false;
}

static bool valid_ip(const char *s)
{
    uint8_t b[16];
    return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* Finds keyword kw as a whole word in s (case-insensitive), outside
 * parentheses; returns the position after it or NULL. */
static const char *find_word(const char *s, const char *end, const char *kw)
{
    size_t kl = strlen(kw);
    int depth = 0;
    for (const char *p = s; p + kl <= end; p++) {
        if (*p == '(') depth++;
        else if (*p == ')' && depth) depth--;
        if (depth)
            continue;
        if ((p == s || isspace((unsigned char)p[-1])) && !strncasecmp(p, kw, kl) &&
            (p + kl == end || isspace((unsigned char)p[kl])))
            return p + kl;
    }
    return NULL;
}

static char *next_token(const char *p, const char *end)
{
    while (p < end && isspace((unsigned char)*p))
        p++;
    const char *st = p;
    while (p < end && !isspace((unsigned char)*p) && *p != '(' && *p != ';')
        p++;
    return kn_xstrndup(st, (size_t)(p - st));
}

/* The first IP literal in [s,end): "[1.2.3.4]", "[IPv6:...]", or a bare
 * dotted quad inside parentheses. Empty string when none. */
static char *find_ip(const char *s, const char *end)
{
    for (const char *p = s; p < end; p++) {
        if (*p != '[')
            continue;
        const char *q = memchr(p, ']', (size_t)(end - p));
        if (!q)
            break;
        const char *a = p + 1;
        if (q - a > 5 && !strncasecmp(a, "ipv6:", 5))
            a += 5;
        if (q - a < 64) {
            char tmp[64];
            memcpy(tmp, a, (size_t)(q - a));
            tmp[q - a] = 0;
            if (valid_ip(tmp))
                return kn_xstrdup(tmp);
        }
        p = q;
    }
    for (const char *p = s; p < end; p++) { /* bare IPv4 like "(1.2.3.4)" or "host 1.2.3.4" */
        if (!isdigit((unsigned char)*p) || (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == '-')))
            continue;
        const char *q = p;
        while (q < end && (isdigit((unsigned char)*q) || *q == '.'))
            q++;
        if (q - p >= 7 && q - p <= 15 && (q == end || !isalnum((unsigned char)*q))) {
            char tmp[16];
            memcpy(tmp, p, (size_t)(q - p));
            tmp[q - p] = 0;
            uint8_t b[4];
            if (inet_pton(AF_INET, tmp, b) == 1)
                return kn_xstrdup(tmp);
        }
        p = q;
    }
    return kn_xstrdup("");
}

void kn_received_parse(const char *raw, struct kn_mail_hop *hop)
{
    char *v = kn_header_unfold(raw);
    const char *end = v + strlen(v);
    const char *semi = strrchr(v, ';');
    const char *clauses_end = semi ? semi : end;
    hop->when = semi ? kn_date_parse(semi + 1) : 0;
    const char *from = find_word(v, clauses_end, "from");
    const char *by = find_word(v, clauses_end, "by");
    if (from) {
        const char *from_end = (by && by > from) ? by - 2 : clauses_end;
        hop->from_host = next_token(from, from_end);
        char *ip = find_ip(from, from_end);
        if (!*ip && valid_ip(hop->from_host)) {
            free(ip);
            ip = kn_xstrdup(hop->from_host);
        }
        hop->from_ip = ip;
    } else {
        hop->from_host = kn_xstrdup("");
        hop->from_ip = kn_xstrdup("");
    }
    hop->by_host = by ? next_token(by, clauses_end) : kn_xstrdup("");
    free(v);
}

static enum kn_auth_result auth_value(const char *s, size_t n)
{
    static const struct { const char *name; enum kn_auth_result r; } map[] = {
        {"pass", KN_AUTH_PASS}, {"fail", KN_AUTH_FAIL}, {"hardfail", KN_AUTH_FAIL},
        {"softfail", KN_AUTH_SOFTFAIL}, {"neutral", KN_AUTH_NEUTRAL}, {"none", KN_AUTH_NONE},
        {"temperror", KN_AUTH_TEMPERROR}, {"permerror", KN_AUTH_PERMERROR},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strlen(map[i].name) == n && !strncasecmp(s, map[i].name, n))
            return map[i].r;
    return KN_AUTH_OTHER; /* policy, bestguesspass, ... */
}

/* Several results for one method (two DKIM signatures): a pass wins,
 * otherwise the first result that says anything. */
static void merge(enum kn_auth_result *slot, enum kn_auth_result r)
{
    if (*slot == KN_AUTH_PASS)
        return;
    if (r == KN_AUTH_PASS || *slot == KN_AUTH_NONE)
        *slot = r;
}

void kn_auth_results_parse(const char *raw, struct kn_mail_auth *auth)
{
    char *v = kn_header_unfold(raw);
    /* drop comments: "(sender IP is 192.0.2.1)" must not look like a result */
    struct kn_buf b = {0};
    kn_buf_add(&b, "", 0);
    int depth = 0;
    bool quoted = false;
    for (const char *s = v; *s; s++) {
        if (!depth && *s == '"')
            quoted = !quoted;
        if (!quoted && *s == '(') { depth++; continue; }
        if (!quoted && *s == ')' && depth) { depth--; continue; }
        if (!depth)
            kn_buf_addc(&b, *s);
    }
    free(v);
    const char *s = b.data;
    while (isspace((unsigned char)*s))
        s++;
    const char *id_end = s;
    while (*id_end && !isspace((unsigned char)*id_end) && *id_end != ';')
        id_end++;
    if (memchr(s, '=', (size_t)(id_end - s))) { /* no authserv-id at all */
        auth->authserv_id = kn_xstrdup("");
        id_end = s;
    } else {
        auth->authserv_id = kn_xstrndup(s, (size_t)(id_end - s));
        for (char *c = auth->authserv_id; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    }
    /* every token "method=result" (or "method/version=result") after the id */
    for (const char *p = id_end; *p; p++) {
        if (p != id_end && !isspace((unsigned char)p[-1]) && p[-1] != ';')
            continue;
        static const struct { const char *m; size_t off; } methods[] = {
            {"spf", offsetof(struct kn_mail_auth, spf)},
            {"dkim", offsetof(struct kn_mail_auth, dkim)},
            {"dmarc", offsetof(struct kn_mail_auth, dmarc)},
        };
        for (size_t i = 0; i < 3; i++) {
            size_t ml = strlen(methods[i].m);
            if (strncasecmp(p, methods[i].m, ml) || (p[ml] != '=' && p[ml] != '/'))
                continue;
            const char *r = memchr(p + ml, '=', strnlen(p + ml, 16)); /* "dkim/1=" at most */
            if (!r)
                break;
            r++;
            while (*r == ' ')
                r++;
            const char *re = r;
            while (*re && !isspace((unsigned char)*re) && *re != ';')
                re++;
            merge((enum kn_auth_result *)((char *)auth + methods[i].off), auth_value(r, (size_t)(re - r)));
            break;
        }
    }
    free(b.data);
}
