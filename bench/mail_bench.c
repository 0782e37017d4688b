/* Mail ingest benchmark: reads a generated corpus (kenchi mail gen) into
 * memory, then times, in CPU seconds of this process (so "per core" on a
 * shared machine), (1) parsing every message, (2) judging and storing them
 * in a fresh SQLite database, (3) the spray-type pass. Prints mails/s per
 * core for each and for the whole ingest.
 * usage: mail_bench CORPUS_DIR DB_PATH */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mail/mail.h"
#include "mail/reader.h"
#include "mail/store.h"

struct msg {
    uint8_t *data;
    size_t len;
    int org;
};

struct corpus {
    struct msg *v;
    size_t n, cap;
    int org;
};

static int keep(const uint8_t *data, size_t len, const char *label, void *ctx)
{
    (void)label;
    struct corpus *c = ctx;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 1024;
        c->v = realloc(c->v, c->cap * sizeof *c->v);
        if (!c->v)
            abort();
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        abort();
    memcpy(copy, data, len);
    c->v[c->n++] = (struct msg){copy, len, c->org};
    return 0;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s CORPUS_DIR DB_PATH\n", argv[0]);
        return 2;
    }
    char path[4096], line[2048];
    snprintf(path, sizeof path, "%s/orgs.txt", argv[1]);
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 1;
    }
    kn_mail_tune_allocator(); /* as `kenchi mail ingest` does */
    unlink(argv[2]);
    struct kn_mail_store *st;
    struct kn_err err;
    if (kn_mail_store_open(argv[2], &st, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    struct kn_mail_org orgs[16] = {{0}};
    int n_orgs = 0;
    struct corpus c = {0};
    while (n_orgs < 16 && fgets(line, sizeof line, f)) {
        char name[256], dom[256], auth[256], pub[1024];
        if (sscanf(line, "%255s %255s %255s %1023s", name, dom, auth, pub) != 4)
            continue;
        struct kn_mail_org *o = &orgs[n_orgs];
        o->name = strdup(name);
        kn_strlist_add(&o->domains, dom);
        kn_strlist_add(&o->authserv_ids, auth);
        FILE *p = fopen(pub, "r");
        char addr[512];
        while (p && fgets(addr, sizeof addr, p)) {
            addr[strcspn(addr, "\r\n")] = '\0';
            if (*addr)
                kn_strlist_add(&o->published, addr);
        }
        if (p)
            fclose(p);
        kn_mail_org_save(st, o, &err);
        c.org = n_orgs++;
        snprintf(path, sizeof path, "%s/%s", argv[1], name);
        struct kn_mail_reader_cb cb = {keep, NULL, &c};
        kn_mail_read_path(path, &cb, &err);
    }
    fclose(f);
    struct kn_mail **parsed = calloc(c.n + 1, sizeof *parsed);
    size_t failed = 0, stored = 0;
    double t0 = cpu_now();
    for (size_t i = 0; i < c.n; i++)
        if (kn_mail_parse(c.v[i].data, c.v[i].len, &parsed[i], &err) < 0)
            failed++;
    double t1 = cpu_now();
    kn_mail_store_begin(st, &err);
    for (size_t i = 0; i < c.n; i++) {
        long long id;
        if (parsed[i] && kn_mail_store_put(st, &orgs[c.v[i].org], parsed[i], "bench", &id, &err) == 0)
            stored++;
    }
    kn_mail_store_commit(st, &err);
    double t2 = cpu_now();
    kn_mail_store_refresh_spray(st, KN_SPRAY_RECIPIENT, &err);
    double t3 = cpu_now();
    double total = t3 - t0;
    printf("mail ingest: %zu messages (%zu failed to parse), %zu stored\n", c.n, failed, stored);
    printf("  parse:        %6.2f s CPU  %8.0f mails/s per core\n", t1 - t0, c.n / (t1 - t0));
    printf("  judge+store:  %6.2f s CPU  %8.0f mails/s per core\n", t2 - t1, c.n / (t2 - t1));
    printf("  spray pass:   %6.2f s CPU\n", t3 - t2);
    printf("  ingest total: %6.2f s CPU  %8.0f mails/s per core\n", total, c.n / total);
    for (size_t i = 0; i < c.n; i++) {
        kn_mail_free(parsed[i]);
        free(c.v[i].data);
    }
    free(parsed);
    free(c.v);
    for (int i = 0; i < n_orgs; i++)
        kn_mail_org_free_fields(&orgs[i]);
    kn_mail_store_close(st);
    return failed ? 1 : 0;
}
