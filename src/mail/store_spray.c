/* Spray-type verdicts over the whole stored corpus: a mail is spray-type
 * when its normalised text hash, or the SHA-256 of any attachment it
 * carries (archive members included), went to KN_SPRAY_THRESHOLD or more
 * places — distinct recipient addresses, or distinct reporting
 * organisations with --spray-unit org (docs/mail.md §spray). */
#include "mail/store_internal.h"

#include <stdio.h>

int kn_mail_store_refresh_spray(struct kn_mail_store *st, enum kn_spray_unit unit, struct kn_err *err)
{
    const char *count = unit == KN_SPRAY_ORG
        ? "SELECT k, COUNT(DISTINCT m.org_id) AS n FROM temp.spray_key s JOIN mail_msg m ON m.id = s.msg_id"
          " GROUP BY k HAVING n >= %d"
        : "SELECT k, COUNT(DISTINCT lower(r.addr)) AS n FROM temp.spray_key s"
          " JOIN mail_rcpt r ON r.msg_id = s.msg_id AND r.addr <> '' GROUP BY k HAVING n >= %d";
    char hot[512];
    snprintf(hot, sizeof hot, count, KN_SPRAY_THRESHOLD);
    char sql[2048];
    snprintf(sql, sizeof sql,
             "BEGIN;"
             "DROP TABLE IF EXISTS temp.spray_key; DROP TABLE IF EXISTS temp.spray_hot;"
             "CREATE TEMP TABLE spray_key AS"
             " SELECT 'text ' || text_hash AS k, id AS msg_id FROM mail_msg WHERE text_hash IS NOT NULL"
             " UNION SELECT 'attachment ' || sha256, msg_id FROM mail_attach WHERE sha256 <> '';"
             "CREATE TEMP TABLE spray_hot AS %s;"
             "DELETE FROM mail_signal WHERE verdict = 'spray';"
             "INSERT INTO mail_signal(msg_id, verdict, detail)"
             " SELECT s.msg_id, 'spray', 'same ' || s.k || ' sent to ' || h.n || ' %s'"
             " FROM temp.spray_key s JOIN temp.spray_hot h ON h.k = s.k ORDER BY s.msg_id, s.k;"
             "UPDATE mail_msg SET spray = (id IN (SELECT msg_id FROM mail_signal WHERE verdict = 'spray'));"
             "INSERT OR REPLACE INTO mail_meta VALUES('spray_unit', '%s');"
             "DROP TABLE temp.spray_key; DROP TABLE temp.spray_hot;"
             "COMMIT;",
             hot, unit == KN_SPRAY_ORG ? "organisations" : "recipients",
             unit == KN_SPRAY_ORG ? "org" : "recipient");
    if (store_exec(st, sql, err) < 0) {
        store_exec(st, "ROLLBACK", NULL);
        kn_err_prefix(err, "spray verdicts");
        return -1;
    }
    return 0;
}
