/* `kenchi mail org`: registers or updates a reporting organisation. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/cmd_mail.h"
#include "mail/store.h"

static const char org_usage[] =
    "usage: kenchi mail org --db PATH ORG [--domain D]... [--authserv-id ID]... [--published FILE]\n\n"
    "Registers organisation ORG, or updates it: each list given (its mail domains, the\n"
    "authserv-ids of its own mail servers whose Authentication-Results are trusted,\n"
    "its published addresses, one a line in FILE, '#' comments) replaces the stored\n"
    "one; lists not given stay. Run it before ingesting the organisation's mails:\n"
    "verdicts are judged at ingest with the settings then.\n";

/* Adds each address line of path to l; -1 with a message printed. */
static int read_published(const char *path, struct kn_strlist *l)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    char line[1024];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        char *s = line + strspn(line, " \t");
        s[strcspn(s, " \t\r\n#")] = '\0';
        if (*s && kn_strlist_add(l, s) < 0)
            rc = -1;
    }
    fclose(f);
    return rc;
}

int kn_cmd_mail_org(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'}, {"domain", required_argument, 0, 'D'},
                                         {"authserv-id", required_argument, 0, 'a'},
                                         {"published", required_argument, 0, 'p'}, {"help", no_argument, 0, 'h'},
                                         {0}};
    const char *db = NULL;
    struct kn_mail_org org = {0};
    int c, rc = 2;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'D': kn_strlist_add(&org.domains, optarg); break;
        case 'a': kn_strlist_add(&org.authserv_ids, optarg); break;
        case 'p':
            if (read_published(optarg, &org.published) < 0)
                goto out;
            break;
        case 'h': fputs(org_usage, stdout); rc = 0; goto out;
        default: goto out;
        }
    }
    if (optind != argc - 1 || !db) {
        fputs(org_usage, stderr);
        goto out;
    }
    org.name = strdup(argv[optind]);
    struct kn_mail_store *st = kn_cmd_mail_open_db("org", db);
    rc = 1;
    if (!st || !org.name)
        goto out;
    struct kn_err err;
    if (kn_mail_org_save(st, &org, &err) < 0) {
        fprintf(stderr, "kenchi mail org: %s\n", err.msg);
    } else {
        struct kn_mail_org now;
        if (kn_mail_org_load(st, org.name, &now, &err) == 0) {
            printf("organisation %s: %zu domains, %zu trusted authserv-ids, %zu published addresses\n",
                   now.name, now.domains.n, now.authserv_ids.n, now.published.n);
            kn_mail_org_free_fields(&now);
            rc = 0;
        } else {
            fprintf(stderr, "kenchi mail org: %s\n", err.msg);
        }
    }
    kn_mail_store_close(st);
out:
    kn_mail_org_free_fields(&org);
    return rc;
}
