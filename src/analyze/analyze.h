/* `kenchi analyze`: captures -> figures in a SQLite database. */
#ifndef KENCHI_ANALYZE_ANALYZE_H
#define KENCHI_ANALYZE_ANALYZE_H

int kn_cmd_analyze(int argc, char **argv);

#endif
