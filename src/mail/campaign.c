/* Campaign clustering (campaign.h): union-find over mails. Exact links come
 * from sorted hash lists; fuzzy links compare ssdeep signatures only where
 * they can score (equal or doubled block size) and only between mails not
 * already in one cluster, which keeps spray campaigns cheap. */
#include "mail/campaign.h"

#include <fuzzy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int exec_sql(sqlite3 *db, const char *sql, struct kn_err *err)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        kn_err_set(err, "campaigns: %s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

struct uf {
    size_t *parent;
    unsigned *links;
};

static size_t uf_find(struct uf *u, size_t x)
{
    while (u->parent[x] != x) {
        u->parent[x] = u->parent[u->parent[x]];
        x = u->parent[x];
    }
    return x;
}

static void uf_union(struct uf *u, size_t a, size_t b, unsigned link)
{
    a = uf_find(u, a), b = uf_find(u, b);
    if (a != b) {
        if (a > b) {
            size_t t = a;
            a = b;
            b = t;
        }
        u->parent[b] = a;
        u->links[a] |= u->links[b];
    }
    u->links[a] |= link;
}

struct mails {
    long long *ids; /* ascending */
    size_t n;
};

static long idx_of(const struct mails *m, long long id)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->n && m->ids[lo] == id ? (long)lo : -1;
}

/* Unions consecutive rows of (key, msg_id) with equal keys. */
static int union_exact(sqlite3 *db, const char *sql, const struct mails *m, struct uf *u, unsigned link,
                       struct kn_err *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        kn_err_set(err, "campaigns: %s", sqlite3_errmsg(db));
        return -1;
    }
    char prev[80] = "";
    long prev_idx = -1;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(s, 0);
        long i = idx_of(m, sqlite3_column_int64(s, 1));
        if (!key || i < 0)
            continue;
        if (prev_idx >= 0 && !strcmp(prev, key))
            uf_union(u, (size_t)prev_idx, (size_t)i, link);
        snprintf(prev, sizeof prev, "%s", key);
        prev_idx = i;
    }
    sqlite3_finalize(s);
    return 0;
}

struct fuzzy_item {
    unsigned long block;
    size_t mail;
    char *sig; /* owned */
};

static int cmp_fuzzy(const void *a, const void *b)
{
    unsigned long x = ((const struct fuzzy_item *)a)->block, y = ((const struct fuzzy_item *)b)->block;
    return (x > y) - (x < y);
}

static int add_fuzzy(struct fuzzy_item **v, size_t *n, size_t *cap, size_t mail, const char *sig)
{
    unsigned long block = strtoul(sig, NULL, 10);
    if (!block || !strchr(sig, ':'))
        return 0;
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 256;
        struct fuzzy_item *nv = realloc(*v, *cap * sizeof **v);
        if (!nv)
            return -1;
        *v = nv;
    }
    char *copy = strdup(sig);
    if (!copy)
        return -1;
    (*v)[(*n)++] = (struct fuzzy_item){block, mail, copy};
    return 0;
}

/* Fuzzy links between attachments' ssdeep hashes. Not between texts:
 * business boilerplate (greeting, signature) makes unrelated short mails
 * score 80+, and one such link chains whole corpora together. */
static int union_fuzzy(sqlite3 *db, const struct mails *m, struct uf *u, struct kn_err *err)
{
    struct fuzzy_item *v = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, "SELECT ssdeep, msg_id FROM mail_attach WHERE ssdeep <> ''", -1, &s, NULL) != SQLITE_OK)
        goto sqlfail;
    while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
        long i = idx_of(m, sqlite3_column_int64(s, 1));
        if (i >= 0)
            rc = add_fuzzy(&v, &n, &cap, (size_t)i, (const char *)sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
    if (rc < 0)
        kn_err_set(err, "campaigns: out of memory");
    qsort(v, n, sizeof *v, cmp_fuzzy);
    /* ssdeep only scores signatures of equal or doubled block size. */
    for (size_t i = 0; rc == 0 && i < n; i++)
        for (size_t j = i + 1; j < n && v[j].block <= 2 * v[i].block; j++) {
            if (uf_find(u, v[i].mail) == uf_find(u, v[j].mail))
                continue;
            if (fuzzy_compare(v[i].sig, v[j].sig) >= KN_CAMPAIGN_SSDEEP_MIN)
                uf_union(u, v[i].mail, v[j].mail, KN_LINK_SSDEEP);
        }
    for (size_t i = 0; i < n; i++)
        free(v[i].sig);
    free(v);
    return rc;
sqlfail:
    kn_err_set(err, "campaigns: %s", sqlite3_errmsg(db));
    free(v);
    return -1;
}

static int cmp_size_desc(const void *a, const void *b)
{
    const struct kn_campaign *x = a, *y = b;
    if (x->n_mails != y->n_mails)
        return x->n_mails < y->n_mails ? 1 : -1;
    return (x->id > y->id) - (x->id < y->id);
}

/* Fills the per-campaign facts with SQL over a temp table (msg_id, cid). */
static int describe(sqlite3 *db, struct kn_campaign *c, size_t nc, struct kn_err *err)
{
    static const char *const sql[] = {
        "SELECT t.cid, MIN(m.date), MAX(m.date) FROM temp.campaign_of t JOIN mail_msg m ON m.id = t.msg_id GROUP BY t.cid",
        "SELECT t.cid, COUNT(DISTINCT lower(r.addr)) FROM temp.campaign_of t JOIN mail_rcpt r ON r.msg_id = t.msg_id"
        " WHERE r.addr <> '' GROUP BY t.cid",
        "SELECT DISTINCT t.cid, o.name FROM temp.campaign_of t JOIN mail_msg m ON m.id = t.msg_id"
        " JOIN mail_org o ON o.id = m.org_id ORDER BY t.cid, o.name",
        "SELECT t.cid, m.subject, COUNT(*) AS k FROM temp.campaign_of t JOIN mail_msg m ON m.id = t.msg_id"
        " GROUP BY t.cid, m.subject ORDER BY t.cid, k DESC, m.subject",
    };
    for (size_t q = 0; q < sizeof sql / sizeof *sql; q++) {
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(db, sql[q], -1, &s, NULL) != SQLITE_OK) {
            kn_err_set(err, "campaigns: %s", sqlite3_errmsg(db));
            return -1;
        }
        while (sqlite3_step(s) == SQLITE_ROW) {
            size_t k = (size_t)sqlite3_column_int64(s, 0);
            if (k >= nc)
                continue;
            const char *text = (const char *)sqlite3_column_text(s, 1);
            if (q == 0) {
                c[k].first_seen = sqlite3_column_int64(s, 1);
                c[k].last_seen = sqlite3_column_int64(s, 2);
            } else if (q == 1) {
                c[k].n_recipients = sqlite3_column_int64(s, 1);
            } else if (q == 2) {
                kn_strlist_add(&c[k].orgs, text ? text : "");
            } else if (c[k].subjects.n < 10) {
                kn_strlist_add(&c[k].subjects, text ? text : "");
            }
        }
        sqlite3_finalize(s);
    }
    return 0;
}

int kn_mail_campaigns(struct kn_mail_store *st, struct kn_campaign **out, size_t *n_out, struct kn_err *err)
{
    sqlite3 *db = kn_mail_store_db(st);
    struct mails m = {0};
    struct uf u = {0};
    struct kn_campaign *c = NULL;
    size_t nc = 0;
    int rc = -1;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, "SELECT id FROM mail_msg ORDER BY id", -1, &s, NULL) != SQLITE_OK) {
        kn_err_set(err, "campaigns: %s", sqlite3_errmsg(db));
        return -1;
    }
    size_t cap = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (m.n == cap) {
            cap = cap ? 2 * cap : 1024;
            long long *ids = realloc(m.ids, cap * sizeof *ids);
            if (!ids)
                goto oom;
            m.ids = ids;
        }
        m.ids[m.n++] = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    s = NULL;
    u.parent = malloc((m.n + 1) * sizeof *u.parent);
    u.links = calloc(m.n + 1, sizeof *u.links);
    if (!u.parent || !u.links)
        goto oom;
    for (size_t i = 0; i < m.n; i++)
        u.parent[i] = i;
    if (union_exact(db, "SELECT sha256, msg_id FROM mail_attach WHERE sha256 <> '' ORDER BY sha256, msg_id", &m, &u,
                    KN_LINK_ATTACHMENT, err) < 0 ||
        union_exact(db, "SELECT text_hash, id FROM mail_msg WHERE text_hash IS NOT NULL ORDER BY text_hash, id", &m,
                    &u, KN_LINK_TEXT, err) < 0 ||
        union_fuzzy(db, &m, &u, err) < 0)
        goto out;
    /* Number the clusters of 2+ mails; cid[root] = index or -1. */
    size_t *size = calloc(m.n + 1, sizeof *size);
    long *cid = malloc((m.n + 1) * sizeof *cid);
    if (!size || !cid) {
        free(size);
        free(cid);
        goto oom;
    }
    for (size_t i = 0; i < m.n; i++)
        size[uf_find(&u, i)]++;
    for (size_t i = 0; i < m.n; i++)
        cid[i] = -1;
    for (size_t i = 0; i < m.n; i++)
        if (uf_find(&u, i) == i && size[i] >= 2)
            cid[i] = (long)nc++;
    c = calloc(nc + 1, sizeof *c);
    int ok = c != NULL;
    for (size_t i = 0; ok && i < m.n; i++) {
        if (cid[i] < 0)
            continue;
        struct kn_campaign *k = &c[cid[i]];
        k->id = m.ids[i];
        k->links = u.links[i];
        k->mail_ids = malloc(size[i] * sizeof *k->mail_ids);
        ok = k->mail_ids != NULL;
    }
    if (ok && exec_sql(db, "DROP TABLE IF EXISTS temp.campaign_of;"
                                 "CREATE TEMP TABLE campaign_of(msg_id INTEGER PRIMARY KEY, cid INTEGER)", err) == 0) {
        sqlite3_prepare_v2(db, "INSERT INTO temp.campaign_of VALUES(?, ?)", -1, &s, NULL);
        for (size_t i = 0; s && i < m.n; i++) {
            long k = cid[uf_find(&u, i)];
            if (k < 0)
                continue;
            c[k].mail_ids[c[k].n_mails++] = m.ids[i];
            sqlite3_reset(s);
            sqlite3_bind_int64(s, 1, m.ids[i]);
            sqlite3_bind_int64(s, 2, k);
            sqlite3_step(s);
        }
        sqlite3_finalize(s);
        s = NULL;
        if (describe(db, c, nc, err) == 0)
            rc = 0;
        exec_sql(db, "DROP TABLE IF EXISTS temp.campaign_of", NULL);
    } else if (!ok) {
        kn_err_set(err, "campaigns: out of memory");
    }
    free(size);
    free(cid);
    if (rc == 0) {
        qsort(c, nc, sizeof *c, cmp_size_desc);
        *out = c;
        *n_out = nc;
        c = NULL;
    }
    goto out;
oom:
    kn_err_set(err, "campaigns: out of memory");
out:
    sqlite3_finalize(s);
    if (c)
        kn_campaigns_free(c, nc);
    free(m.ids);
    free(u.parent);
    free(u.links);
    return rc;
}

void kn_campaigns_free(struct kn_campaign *c, size_t n)
{
    if (!c)
        return;
    for (size_t i = 0; i < n; i++) {
        kn_strlist_free(&c[i].orgs);
        kn_strlist_free(&c[i].subjects);
        free(c[i].mail_ids);
    }
    free(c);
}
