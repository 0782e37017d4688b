/* The sensor's INI configuration and its flag twin; see config.h. */
#include "sensor/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

static const char *const keys[] = {"name", "interface", "sensor", "bpf",  "db",
                                   "interval", "tz", "wide-ports", "user", "metrics",
                                   "replay", "central", "push-interval", NULL};

bool kn_sensor_config_is_key(const char *key)
{
    for (size_t i = 0; keys[i]; i++)
        if (!strcmp(keys[i], key))
            return true;
    return false;
}

void kn_sensor_config_defaults(struct kn_sensor_config *c)
{
    memset(c, 0, sizeof *c);
    c->interval_s = 60;
    c->push_interval_s = 300;
    if (gethostname(c->name, sizeof c->name - 1) != 0 || !c->name[0])
        snprintf(c->name, sizeof c->name, "sensor");
}

/* Copies value into a fixed field; too long is an error, not a truncation. */
static int set_text(char *dst, size_t size, const char *key, const char *value,
                    struct kn_err *err)
{
    size_t n = strlen(value);
    if (n >= size) {
        kn_err_set(err, "%s: value too long (%zu bytes, at most %zu)", key, n, size - 1);
        return -1;
    }
    memcpy(dst, value, n + 1);
    return 0;
}

static int set_uint(uint32_t *dst, const char *key, const char *value, uint32_t min,
                    uint32_t max, struct kn_err *err)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(value, &end, 10);
    if (!value[0] || *end || errno || value[0] == '-' || v < min || v > max) {
        kn_err_set(err, "%s: \"%s\" is not a number in [%u, %u]", key, value, min, max);
        return -1;
    }
    *dst = (uint32_t)v;
    return 0;
}

int kn_sensor_config_set(struct kn_sensor_config *c, const char *key, const char *value,
                         bool from_flag, struct kn_err *err)
{
    if (!strcmp(key, "name")) {
        if (!value[0]) {
            kn_err_set(err, "name: must not be empty");
            return -1;
        }
        return set_text(c->name, sizeof c->name, key, value, err);
    }
    if (!strcmp(key, "interface")) {
        if (from_flag && !c->ifaces_from_flags) {
            c->n_ifaces = 0;
            c->ifaces_from_flags = true;
        }
        if (!value[0]) {
            kn_err_set(err, "interface: must not be empty");
            return -1;
        }
        if (c->n_ifaces == KN_SENSOR_MAX_IFACES) {
            kn_err_set(err, "interface: at most %d interfaces", KN_SENSOR_MAX_IFACES);
            return -1;
        }
        if (set_text(c->ifaces[c->n_ifaces], sizeof c->ifaces[0], key, value, err))
            return -1;
        c->n_ifaces++;
        return 0;
    }
    if (!strcmp(key, "sensor")) {
        if (from_flag && !c->sensors_from_flags) {
            c->n_sensors = 0;
            c->sensors_from_flags = true;
        }
        if (c->n_sensors == KN_MAX_SENSORS) {
            kn_err_set(err, "sensor: at most %d prefixes", KN_MAX_SENSORS);
            return -1;
        }
        if (kn_cidr_parse(value, &c->sensors[c->n_sensors], NULL, err)) {
            kn_err_prefix(err, "sensor");
            return -1;
        }
        c->n_sensors++;
        return 0;
    }
    if (!strcmp(key, "bpf"))
        return set_text(c->bpf, sizeof c->bpf, key, value, err);
    if (!strcmp(key, "db"))
        return set_text(c->db, sizeof c->db, key, value, err);
    if (!strcmp(key, "interval"))
        return set_uint(&c->interval_s, key, value, 1, 86400, err);
    if (!strcmp(key, "tz"))
        return set_text(c->tz, sizeof c->tz, key, value, err);
    if (!strcmp(key, "wide-ports"))
        return set_uint(&c->wide_ports, key, value, 1, 65536 * 2, err);
    if (!strcmp(key, "user"))
        return set_text(c->user, sizeof c->user, key, value, err);
    if (!strcmp(key, "metrics"))
        return set_text(c->metrics, sizeof c->metrics, key, value, err);
    if (!strcmp(key, "replay"))
        return set_text(c->replay, sizeof c->replay, key, value, err);
    if (!strcmp(key, "central")) {
        /* A typo is an error at start, not a push that fails for ever. */
        char *msg = NULL;
        PQconninfoOption *opts = value[0] ? PQconninfoParse(value, &msg) : NULL;
        if (value[0] && !opts) {
            kn_err_set(err, "central: not a PostgreSQL URL or connection string (%s)",
                       msg ? msg : "out of memory");
            size_t n = strlen(err->msg);
            if (n > 1 && err->msg[n - 2] == '\n') /* libpq ends its messages with one */
                memmove(err->msg + n - 2, err->msg + n - 1, 2);
            PQfreemem(msg);
            return -1;
        }
        PQconninfoFree(opts);
        return set_text(c->central, sizeof c->central, key, value, err);
    }
    if (!strcmp(key, "push-interval"))
        return set_uint(&c->push_interval_s, key, value, 1, 86400, err);
    kn_err_set(err, "unknown key \"%s\"", key);
    return -1;
}

static bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\r'; }

/* Trims [*b, *e) in place. */
static void trim(const char **b, const char **e)
{
    while (*b < *e && is_space(**b))
        (*b)++;
    while (*e > *b && is_space((*e)[-1]))
        (*e)--;
}

int kn_sensor_config_parse(struct kn_sensor_config *c, const char *text, size_t len,
                           struct kn_err *err)
{
    const char *p = text, *end = text + len;
    unsigned lineno = 0;
    while (p < end) {
        lineno++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *b = p, *e = nl ? nl : end;
        p = nl ? nl + 1 : end;
        trim(&b, &e);
        if (b == e || *b == '#' || *b == ';')
            continue;
        if (memchr(b, '\0', (size_t)(e - b))) {
            kn_err_set(err, "line %u: NUL byte", lineno);
            return -1;
        }
        if (*b == '[') {
            if (e - b == 8 && !memcmp(b, "[sensor]", 8))
                continue;
            kn_err_set(err, "line %u: unknown section %.*s (only [sensor])", lineno,
                       (int)(e - b > 64 ? 64 : e - b), b);
            return -1;
        }
        const char *eq = memchr(b, '=', (size_t)(e - b));
        if (!eq) {
            kn_err_set(err, "line %u: expected \"key = value\"", lineno);
            return -1;
        }
        const char *kb = b, *ke = eq, *vb = eq + 1, *ve = e;
        trim(&kb, &ke);
        trim(&vb, &ve);
        if (ve - vb >= 2 && *vb == '"' && ve[-1] == '"') {
            vb++;
            ve--;
        }
        char key[32], value[1100];
        if (ke == kb || (size_t)(ke - kb) >= sizeof key) {
            kn_err_set(err, "line %u: bad key", lineno);
            return -1;
        }
        if ((size_t)(ve - vb) >= sizeof value) {
            kn_err_set(err, "line %u: value too long", lineno);
            return -1;
        }
        memcpy(key, kb, (size_t)(ke - kb));
        key[ke - kb] = '\0';
        memcpy(value, vb, (size_t)(ve - vb));
        value[ve - vb] = '\0';
        if (kn_sensor_config_set(c, key, value, false, err)) {
            kn_err_prefix(err, "line %u", lineno);
            return -1;
        }
    }
    return 0;
}

int kn_sensor_config_load(struct kn_sensor_config *c, const char *path, struct kn_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        kn_err_errno(err, path);
        return -1;
    }
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    bool too_big = n == sizeof buf;
    int rerr = ferror(f);
    fclose(f);
    if (rerr || too_big) {
        kn_err_set(err, "%s: %s", path, too_big ? "larger than 64 KiB" : "read error");
        return -1;
    }
    if (kn_sensor_config_parse(c, buf, n, err)) {
        kn_err_prefix(err, "%s", path);
        return -1;
    }
    return 0;
}

int kn_sensor_config_check(const struct kn_sensor_config *c, struct kn_err *err)
{
    if (!c->db[0]) {
        kn_err_set(err, "no database (db = PATH)");
        return -1;
    }
    if (!c->n_ifaces && !c->replay[0]) {
        kn_err_set(err, "no interface (interface = NAME, repeatable)");
        return -1;
    }
    return 0;
}
