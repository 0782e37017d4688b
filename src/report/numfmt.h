/* Number formatting for terminals: thousands separators. */
#ifndef KENCHI_REPORT_NUMFMT_H
#define KENCHI_REPORT_NUMFMT_H

#include <stddef.h>
#include <stdint.h>

/* 1234567 -> "1,234,567". */
void kn_fmt_thousands(uint64_t v, char *buf, size_t size);

/* A non-negative value with `decimals` decimals and thousands separators
 * in the integer part: 6506.44 -> "6,506.4" (decimals 1). */
void kn_fmt_decimal(double v, int decimals, char *buf, size_t size);

#endif
