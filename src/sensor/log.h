/* Log lines of the sensor daemon on stderr, in a form journald and syslog
 * read well: "<N>message" (sd-daemon(3) level prefixes) when stderr is not a
 * terminal, "kenchi sensor: LEVEL: message" on a terminal. One line per
 * call, written with one call, so threads do not interleave. */
#ifndef KENCHI_SENSOR_LOG_H
#define KENCHI_SENSOR_LOG_H

enum { KN_LOG_ERR = 3, KN_LOG_WARNING = 4, KN_LOG_NOTICE = 5, KN_LOG_INFO = 6 };

void kn_slog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
