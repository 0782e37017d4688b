/* The sensor's configuration: a small INI file whose every key is also a
 * command-line flag (`interface = eth1` in the file is `--interface eth1`).
 * Lists (interface, sensor) take one value per line or flag. Flags override
 * the file: the first flag of a list key replaces the file's list.
 * The format is documented in docs/sensor.md. */
#ifndef KENCHI_SENSOR_CONFIG_H
#define KENCHI_SENSOR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/prefix.h"
#include "store/store.h"
#include "util/err.h"

#define KN_SENSOR_MAX_IFACES 16

struct kn_sensor_config {
    char name[64];                              /* sensor name, part of every interval key */
    char ifaces[KN_SENSOR_MAX_IFACES][64];
    size_t n_ifaces;
    struct kn_cidr sensors[KN_MAX_SENSORS];
    size_t n_sensors;
    char bpf[1024];
    char db[1024];
    uint32_t interval_s;                        /* seconds per committed interval, >= 1 */
    char tz[64];                                /* "" = as stored / UTC */
    uint32_t wide_ports;                        /* 0 = as stored / 100 */
    char user[64];                              /* "" = keep privileges */
    char metrics[128];                          /* "host:port" of /metrics, "" = off */
    char replay[1024];                          /* a capture file instead of interfaces */
    char central[1024];                         /* libpq URL of the centre, "" = no push */
    uint32_t push_interval_s;                   /* seconds between pushes, >= 1 */
    /* list keys set in this layer (flags clear the file's list once) */
    bool ifaces_from_flags, sensors_from_flags;
};

/* Defaults: interval 60 s, push interval 300 s, name = host name. */
void kn_sensor_config_defaults(struct kn_sensor_config *c);

/* Sets one key (INI spelling, e.g. "wide-ports"). from_flag: the value
 * comes from the command line (see list semantics above). 0, or -1 with err
 * naming the key and what is wrong. */
int kn_sensor_config_set(struct kn_sensor_config *c, const char *key, const char *value,
                         bool from_flag, struct kn_err *err);

/* Parses INI text (need not be NUL-terminated). Blank lines and lines
 * starting with '#' or ';' are comments; "[sensor]" is the only section
 * ([name] headers otherwise are errors); "key = value", value trimmed, with
 * optional double quotes. Errors name the line. 0 or -1. */
int kn_sensor_config_parse(struct kn_sensor_config *c, const char *text, size_t len,
                           struct kn_err *err);

/* Reads and parses a file. 0 or -1. */
int kn_sensor_config_load(struct kn_sensor_config *c, const char *path, struct kn_err *err);

/* Is the configuration complete enough to run? 0 or -1 (err says what). */
int kn_sensor_config_check(const struct kn_sensor_config *c, struct kn_err *err);

/* Does key name a setting? (for flag parsing) */
bool kn_sensor_config_is_key(const char *key);

#endif
