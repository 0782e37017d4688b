/* `kenchi mail dump`: the parser's view of mails, one JSON object a line
 * (a debugging and testing aid; the analyst's view is `kenchi mail show`). */
#ifndef KENCHI_MAIL_DUMP_H
#define KENCHI_MAIL_DUMP_H

int cmd_mail_dump(int argc, char **argv);

#endif
