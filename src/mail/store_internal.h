/* Private to store*.c: the store struct and its statement cache. */
#ifndef KENCHI_MAIL_STORE_INTERNAL_H
#define KENCHI_MAIL_STORE_INTERNAL_H

#include "mail/store.h"

enum store_stmt {
    ST_FIND_MSG, ST_INS_MSG, ST_INS_RCPT, ST_INS_REPLY_TO, ST_INS_HOP, ST_INS_AUTH, ST_INS_URL,
    ST_INS_ATTACH, ST_INS_SIGNAL, ST_INS_WARNING, ST__COUNT
};

struct kn_mail_store {
    sqlite3 *db;
    sqlite3_stmt *stmt[ST__COUNT]; /* prepared lazily by store_stmt() */
};

/* The cached statement, reset and unbound, or NULL with err set. */
sqlite3_stmt *store_stmt(struct kn_mail_store *st, enum store_stmt which, struct kn_err *err);

/* Runs SQL without results; -1 with err set on failure. */
int store_exec(struct kn_mail_store *st, const char *sql, struct kn_err *err);

#endif
