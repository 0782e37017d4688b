/* SQLite storage of reported mails, their organisations and verdicts: the
 * mail_* tables (schema in docs/mail.md; may share a file with the
 * telescope tables). One struct kn_mail_store per open database; it caches
 * prepared statements so ingesting thousands of mails a second stays cheap. */
#ifndef KENCHI_MAIL_STORE_H
#define KENCHI_MAIL_STORE_H

#include <stdbool.h>
#include <sqlite3.h>

#include "mail/mail.h"
#include "mail/stats.h"
#include "util/err.h"

#define KN_MAIL_SCHEMA_VERSION 1

struct kn_mail_store;

/* Opens (creating the schema when missing) the database at path. *out is
 * freed by kn_mail_store_close. Refuses a newer schema version. */
int kn_mail_store_open(const char *path, struct kn_mail_store **out, struct kn_err *err);
void kn_mail_store_close(struct kn_mail_store *st);
sqlite3 *kn_mail_store_db(struct kn_mail_store *st);

/* Transactions around a batch of puts (ingest commits every few thousand). */
int kn_mail_store_begin(struct kn_mail_store *st, struct kn_err *err);
int kn_mail_store_commit(struct kn_mail_store *st, struct kn_err *err);

/* Creates or updates org->name. A list that is non-empty in org replaces the
 * stored one; an empty list leaves it as it was. Sets org->id. */
int kn_mail_org_save(struct kn_mail_store *st, struct kn_mail_org *org, struct kn_err *err);

/* Loads organisation name into *org (fields owned by org:
 * kn_mail_org_free_fields). Returns 0, 1 when there is no such
 * organisation, -1 on error. */
int kn_mail_org_load(struct kn_mail_store *st, const char *name, struct kn_mail_org *org,
                     struct kn_err *err);

/* The dedup key of a mail: SHA-256 hex of its normalised content (see
 * docs/mail.md §dedup) into hex[65]. */
void kn_mail_content_hash(const struct kn_mail *m, char hex[65]);

/* Stores mail m reported by org (already saved), with the per-mail verdicts
 * from kn_mail_judge. source names the file it came from. Returns 0 and sets
 * *id when stored, 1 when org already reported this mail (nothing
 * changes), -1 on error. */
int kn_mail_store_put(struct kn_mail_store *st, const struct kn_mail_org *org, const struct kn_mail *m,
                      const char *source, long long *id, struct kn_err *err);

/* Spray unit: what "10 or more places" counts. */
enum kn_spray_unit { KN_SPRAY_RECIPIENT = 0, KN_SPRAY_ORG = 1 };
#define KN_SPRAY_THRESHOLD 10

/* Recomputes the spray verdict of every stored mail (and its signals) for
 * unit, and records the unit in mail_meta. */
int kn_mail_store_refresh_spray(struct kn_mail_store *st, enum kn_spray_unit unit, struct kn_err *err);

#endif
