/* Fuzz target: the sensor's INI parser (src/sensor/config.c) on arbitrary
 * bytes. It must return 0 or -1 without crashing, and on success every
 * list stays within its bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sensor/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct kn_sensor_config c;
    struct kn_err err;
    kn_sensor_config_defaults(&c);
    if (kn_sensor_config_parse(&c, (const char *)data, size, &err) == 0) {
        if (c.n_ifaces > KN_SENSOR_MAX_IFACES || c.n_sensors > KN_MAX_SENSORS ||
            c.interval_s < 1)
            abort();
        (void)kn_sensor_config_check(&c, &err);
    }
    return 0;
}
