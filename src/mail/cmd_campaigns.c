/* `kenchi mail campaigns`: clusters of related mails, largest first. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mail/campaign.h"
#include "mail/cmd_mail.h"

static const char campaigns_usage[] =
    "usage: kenchi mail campaigns --db PATH [--format table|json]\n\n"
    "Clusters stored mails linked by the same attachment (SHA-256, archive members\n"
    "included), the same normalised text, or ssdeep similarity >= 80 between\n"
    "attachments; prints each cluster of two or more mails with first/last seen, distinct\n"
    "recipients, organisations, subjects and what linked it.\n";

static void iso_time(long long t, char *out, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *strlist_json(const struct kn_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, json_string(l->v[i]));
    return a;
}

static json_t *links_json(unsigned links)
{
    json_t *a = json_array();
    if (links & KN_LINK_ATTACHMENT)
        json_array_append_new(a, json_string("attachment"));
    if (links & KN_LINK_TEXT)
        json_array_append_new(a, json_string("text"));
    if (links & KN_LINK_SSDEEP)
        json_array_append_new(a, json_string("ssdeep"));
    return a;
}

static void print_json(const struct kn_campaign *c, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        char first[32], last[32];
        iso_time(c[i].first_seen, first, sizeof first);
        iso_time(c[i].last_seen, last, sizeof last);
        json_t *ids = json_array();
        for (size_t k = 0; k < c[i].n_mails; k++)
            json_array_append_new(ids, json_integer(c[i].mail_ids[k]));
        json_array_append_new(arr, json_pack("{s:I, s:I, s:s, s:s, s:I, s:o, s:o, s:o, s:o}", "id",
                                             (json_int_t)c[i].id, "mails", (json_int_t)c[i].n_mails,
                                             "first_seen", first, "last_seen", last, "recipients",
                                             (json_int_t)c[i].n_recipients, "organisations",
                                             strlist_json(&c[i].orgs), "subjects", strlist_json(&c[i].subjects),
                                             "linked_by", links_json(c[i].links), "mail_ids", ids));
    }
    json_t *root = json_pack("{s:o}", "campaigns", arr);
    json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(root);
}

static void print_table(const struct kn_campaign *c, size_t n)
{
    printf("%-6s %5s %5s  %-10s %-10s %-22s %s\n", "id", "mails", "rcpts", "first", "last", "linked by",
           "organisations / subjects");
    for (size_t i = 0; i < n; i++) {
        char first[32], last[32], links[32] = "";
        iso_time(c[i].first_seen, first, sizeof first);
        iso_time(c[i].last_seen, last, sizeof last);
        first[10] = last[10] = '\0';
        if (c[i].links & KN_LINK_ATTACHMENT)
            strncat(links, "attachment ", sizeof links - strlen(links) - 1);
        if (c[i].links & KN_LINK_TEXT)
            strncat(links, "text ", sizeof links - strlen(links) - 1);
        if (c[i].links & KN_LINK_SSDEEP)
            strncat(links, "ssdeep", sizeof links - strlen(links) - 1);
        printf("%-6lld %5zu %5lld  %-10s %-10s %-22s ", c[i].id, c[i].n_mails, c[i].n_recipients, first, last, links);
        for (size_t k = 0; k < c[i].orgs.n; k++)
            printf("%s%s", k ? "," : "", c[i].orgs.v[k]);
        fputs(" /", stdout);
        for (size_t k = 0; k < c[i].subjects.n && k < 3; k++)
            printf(" %s%s", c[i].subjects.v[k], k + 1 < c[i].subjects.n && k < 2 ? " |" : "");
        fputc('\n', stdout);
    }
    printf("%zu campaigns\n", n);
}

int kn_cmd_mail_campaigns(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'}, {"format", required_argument, 0, 'f'},
                                         {"help", no_argument, 0, 'h'}, {0}};
    const char *db = NULL, *format = "table";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'f': format = optarg; break;
        case 'h': fputs(campaigns_usage, stdout); return 0;
        default: return 2;
        }
    }
    if (optind != argc || (strcmp(format, "table") && strcmp(format, "json"))) {
        fputs(campaigns_usage, stderr);
        return 2;
    }
    struct kn_mail_store *st = kn_cmd_mail_open_db("campaigns", db);
    if (!st)
        return 1;
    struct kn_campaign *camp = NULL;
    size_t n = 0;
    struct kn_err err;
    int rc = 0;
    if (kn_mail_campaigns(st, &camp, &n, &err) < 0) {
        fprintf(stderr, "kenchi mail campaigns: %s\n", err.msg);
        rc = 1;
    } else if (!strcmp(format, "json")) {
        print_json(camp, n);
    } else {
        print_table(camp, n);
    }
    kn_campaigns_free(camp, n);
    kn_mail_store_close(st);
    return rc;
}
