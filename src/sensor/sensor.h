/* `kenchi sensor` (src/sensor/sensor_cmd.c); the daemon is in daemon.h. */
#ifndef KENCHI_SENSOR_SENSOR_H
#define KENCHI_SENSOR_SENSOR_H

int kn_cmd_sensor(int argc, char **argv);

#endif
