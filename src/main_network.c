/* kenchi-network: the sensor network's commands (libpq, libmicrohttpd),
 * run by kenchi for sensor, push, central-report and a report of a centre
 * URL (cli/commands.h). */
#include "central/central.h"
#include "cli/commands.h"
#include "sensor/sensor.h"

static const struct kn_command commands[] = {
    {"sensor", "capture live into the local database, one committed interval at a time", kn_cmd_sensor,
     NULL},
    {"push", "copy a database's figures to the central PostgreSQL (sensor network)", kn_cmd_push, NULL},
    {"central-report", "network-wide or per-sensor figures from the central PostgreSQL",
     kn_cmd_central_report, NULL},
    {"report", "print the daily figures of a database or of a centre URL", kn_cmd_report_centre, NULL},
    {0},
};

int main(int argc, char **argv)
{
    return kn_dispatch(commands, argc, argv);
}
