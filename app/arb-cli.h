/* arb-cli.h: what the commands of arbiter-cli share
 *
 * Each command is `int arb_cli_NAME (int argc, char **argv)` (argv[0] is the command's name),
 * listed in the table in arbiter-cli.c. Exit status: 0 done, 1 could not (the message says what
 * and where), EXIT_USAGE (2) wrong usage.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "arb-workspace.h"

G_BEGIN_DECLS

#define EXIT_USAGE 2

/* Prints "arbiter-cli: MESSAGE" and the command's help to stderr; returns EXIT_USAGE. */
int           arb_cli_usage_error    (GOptionContext  *context,
                                      const char      *message);
/* Prints "arbiter-cli: " and the error's message to stderr; returns 1. */
int           arb_cli_fail           (const GError    *error);
/* Parses a command's options; returns -1 to go on, else an exit status. */
int           arb_cli_parse_options  (GOptionContext  *context,
                                      int             *argc,
                                      char          ***argv);
/* Opens a workspace, telling stderr about removed interrupted imports; on failure sets *status. */
ArbWorkspace *arb_cli_open_workspace (const char      *path,
                                      int             *status);

int           arb_cli_judge          (int argc, char **argv);
int           arb_cli_score          (int argc, char **argv);
int           arb_cli_stats          (int argc, char **argv);
int           arb_cli_agreement      (int argc, char **argv);
int           arb_cli_plot           (int argc, char **argv);
int           arb_cli_pack           (int argc, char **argv);
int           arb_cli_export         (int argc, char **argv);
int           arb_cli_spans          (int argc, char **argv);
int           arb_cli_tokenize       (int argc, char **argv);

G_END_DECLS
