/* sensor config: the INI parser (comments, section, quotes, errors naming
 * the line), every key's validation, and the rule that a flag for a list
 * key replaces the file's list while later flags append. */
#include "harness.h"
#include "sensor/config.h"

static int parse(struct kn_sensor_config *c, const char *text, struct kn_err *e)
{
    kn_sensor_config_defaults(c);
    return kn_sensor_config_parse(c, text, strlen(text), e);
}

static void test_ini_full_file(void)
{
    struct kn_sensor_config c;
    struct kn_err e;
    const char *text = "# a sensor\n"
                       "; another comment\n"
                       "\n"
                       "[sensor]\n"
                       "name = tokyo-1\n"
                       "  interface=eth1  \r\n"
                       "interface = eth2\n"
                       "sensor = 192.0.2.0/24\n"
                       "sensor = 2001:db8::/48\n"
                       "bpf = \"not port 22\"\n"
                       "db = /var/lib/kenchi/sensor.sqlite\n"
                       "interval = 300\n"
                       "tz = Asia/Tokyo\n"
                       "wide-ports = 50\n"
                       "user = kenchi\n"
                       "metrics = 127.0.0.1:9108";   /* no final newline */
    CHECK_EQ(parse(&c, text, &e), 0);
    CHECK_STR(c.name, "tokyo-1");
    CHECK_EQ(c.n_ifaces, 2);
    CHECK_STR(c.ifaces[0], "eth1");
    CHECK_STR(c.ifaces[1], "eth2");
    CHECK_EQ(c.n_sensors, 2);
    CHECK_EQ(c.sensors[0].family, 4);
    CHECK_EQ(c.sensors[0].len, 24);
    CHECK_EQ(c.sensors[1].family, 6);
    CHECK_STR(c.bpf, "not port 22");
    CHECK_STR(c.db, "/var/lib/kenchi/sensor.sqlite");
    CHECK_EQ(c.interval_s, 300);
    CHECK_STR(c.tz, "Asia/Tokyo");
    CHECK_EQ(c.wide_ports, 50);
    CHECK_STR(c.user, "kenchi");
    CHECK_STR(c.metrics, "127.0.0.1:9108");
    CHECK_EQ(kn_sensor_config_check(&c, &e), 0);
}

static void test_defaults_and_check(void)
{
    struct kn_sensor_config c;
    struct kn_err e;
    CHECK_EQ(parse(&c, "", &e), 0);
    CHECK_EQ(c.interval_s, 60);
    CHECK(c.name[0] != '\0');
    CHECK_EQ(kn_sensor_config_check(&c, &e), -1);
    CHECK(strstr(e.msg, "db") != NULL);
    CHECK_EQ(parse(&c, "db = x.db\n", &e), 0);
    CHECK_EQ(kn_sensor_config_check(&c, &e), -1);
    CHECK(strstr(e.msg, "interface") != NULL);
    CHECK_EQ(parse(&c, "db = x.db\nreplay = f.pcap\n", &e), 0);
    CHECK_EQ(kn_sensor_config_check(&c, &e), 0);
}

static void test_errors_name_the_line(void)
{
    struct kn_sensor_config c;
    struct kn_err e;
    CHECK_EQ(parse(&c, "db = a\n\nbogus = 1\n", &e), -1);
    CHECK(strstr(e.msg, "line 3") && strstr(e.msg, "unknown key \"bogus\""));
    CHECK_EQ(parse(&c, "[other]\n", &e), -1);
    CHECK(strstr(e.msg, "line 1") && strstr(e.msg, "section"));
    CHECK_EQ(parse(&c, "db\n", &e), -1);
    CHECK(strstr(e.msg, "key = value") != NULL);
    CHECK_EQ(parse(&c, "= x\n", &e), -1);
    CHECK_EQ(parse(&c, "interval = 0\n", &e), -1);
    CHECK_EQ(parse(&c, "interval = -5\n", &e), -1);
    CHECK_EQ(parse(&c, "interval = 60s\n", &e), -1);
    CHECK_EQ(parse(&c, "interval = 99999999999999999999\n", &e), -1);
    CHECK_EQ(parse(&c, "interval =\n", &e), -1);
    CHECK_EQ(parse(&c, "wide-ports = 0\n", &e), -1);
    CHECK_EQ(parse(&c, "sensor = 192.0.2.0\n", &e), -1); /* the /N is required */
    CHECK(strstr(e.msg, "sensor") != NULL);
    CHECK_EQ(parse(&c, "interface =\n", &e), -1);
    CHECK_EQ(parse(&c, "name =\n", &e), -1);
    char big[200];
    memset(big, 'a', sizeof big);
    memcpy(big, "interface = ", 12);
    big[sizeof big - 1] = '\0';
    CHECK_EQ(parse(&c, big, &e), -1); /* longer than an interface name may be */
    CHECK(strstr(e.msg, "too long") != NULL);
    CHECK_EQ(c.n_ifaces, 0);
    const char nul[] = "db = a\0b\n";
    kn_sensor_config_defaults(&c);
    CHECK_EQ(kn_sensor_config_parse(&c, nul, sizeof nul - 1, &e), -1);
}

/* The centre's keys: a URL or connection string libpq understands, and a
 * push interval in [1, 86400] defaulting to 300 s. */
static void test_central_keys(void)
{
    struct kn_sensor_config c;
    struct kn_err e;
    CHECK_EQ(parse(&c, "", &e), 0);
    CHECK_STR(c.central, "");
    CHECK_EQ(c.push_interval_s, 300);
    CHECK_EQ(parse(&c, "central = postgresql://kenchi@centre.example/kenchi\n"
                       "push-interval = 60\n", &e), 0);
    CHECK_STR(c.central, "postgresql://kenchi@centre.example/kenchi");
    CHECK_EQ(c.push_interval_s, 60);
    CHECK_EQ(parse(&c, "central = \"host=/run/postgresql dbname=kenchi\"\n", &e), 0);
    CHECK_STR(c.central, "host=/run/postgresql dbname=kenchi");
    CHECK_EQ(parse(&c, "db = a\ncentral = colour=blue\n", &e), -1); /* no such libpq key */
    CHECK(strstr(e.msg, "line 2") && strstr(e.msg, "central") && !strchr(e.msg, '\n'));
    CHECK_EQ(parse(&c, "push-interval = 0\n", &e), -1);
    CHECK_EQ(parse(&c, "push-interval = 86401\n", &e), -1);
    CHECK(kn_sensor_config_is_key("push-interval"));
    CHECK(kn_sensor_config_is_key("central"));
}

static void test_flags_replace_file_lists(void)
{
    struct kn_sensor_config c;
    struct kn_err e;
    CHECK_EQ(parse(&c, "interface = eth1\ninterface = eth2\nsensor = 192.0.2.0/24\n", &e), 0);
    CHECK_EQ(kn_sensor_config_set(&c, "interface", "veth0", true, &e), 0);
    CHECK_EQ(kn_sensor_config_set(&c, "interface", "veth1", true, &e), 0);
    CHECK_EQ(c.n_ifaces, 2);
    CHECK_STR(c.ifaces[0], "veth0");
    CHECK_STR(c.ifaces[1], "veth1");
    CHECK_EQ(c.n_sensors, 1); /* no sensor flag: the file's list stays */
    CHECK_EQ(kn_sensor_config_set(&c, "interval", "5", true, &e), 0);
    CHECK_EQ(c.interval_s, 5);
    CHECK(kn_sensor_config_is_key("wide-ports"));
    CHECK(!kn_sensor_config_is_key("config"));
    CHECK(!kn_sensor_config_is_key("wide_ports"));
    for (int i = 0; i < KN_SENSOR_MAX_IFACES - 2; i++)
        CHECK_EQ(kn_sensor_config_set(&c, "interface", "x", true, &e), 0);
    CHECK_EQ(kn_sensor_config_set(&c, "interface", "one-too-many", true, &e), -1);
}

int main(void)
{
    RUN(test_ini_full_file);
    RUN(test_defaults_and_check);
    RUN(test_errors_name_the_line);
    RUN(test_central_keys);
    RUN(test_flags_replace_file_lists);
    TEST_MAIN_END();
}
