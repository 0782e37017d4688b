/* kenchi-mail: the targeted-email analysis, run by `kenchi mail`
 * (cli/commands.h). */
#include "cli/commands.h"
#include "mail/cmd_mail.h"

static const struct kn_command commands[] = {
    {"mail", "targeted-email analysis: organisations, ingest, report, campaigns, show, gen", kn_cmd_mail,
     NULL},
    {0},
};

int main(int argc, char **argv)
{
    return kn_dispatch(commands, argc, argv);
}
