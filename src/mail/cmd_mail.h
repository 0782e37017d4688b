/* `kenchi mail`: the targeted-email analysis command and its subcommands
 * (org, ingest, report, campaigns, show, gen). Only this layer prints. */
#ifndef KENCHI_MAIL_CMD_MAIL_H
#define KENCHI_MAIL_CMD_MAIL_H

int kn_cmd_mail(int argc, char **argv);

/* The subcommands; argv[0] is the subcommand name. Exit status 0/1/2. */
int kn_cmd_mail_org(int argc, char **argv);
int kn_cmd_mail_ingest(int argc, char **argv);
int kn_cmd_mail_report(int argc, char **argv);
int kn_cmd_mail_campaigns(int argc, char **argv);
int kn_cmd_mail_show(int argc, char **argv);
int kn_cmd_mail_gen(int argc, char **argv);

/* Opens --db for a subcommand, printing the error; NULL on failure. */
struct kn_mail_store;
struct kn_mail_store *kn_cmd_mail_open_db(const char *cmd, const char *path);

#endif
