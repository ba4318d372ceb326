/* arb-cli-common.c: what the commands of arbiter-cli share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include <glib/gi18n.h>

#include "arb-cli.h"

int
arb_cli_usage_error (GOptionContext *context,
                     const char     *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  fprintf (stderr, "arbiter-cli: %s\n\n%s", message, help);
  return EXIT_USAGE;
}

int
arb_cli_fail (const GError *error)
{
  fprintf (stderr, "arbiter-cli: %s\n", error->message);
  return 1;
}

/* Parses a command's options; argv[0] is the command name. Returns -1 to go on, else an exit
 * status. */
int
arb_cli_parse_options (GOptionContext *context,
                       int            *argc,
                       char         ***argv)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    return arb_cli_usage_error (context, error->message);
  return -1;
}

ArbWorkspace *
arb_cli_open_workspace (const char *path,
                        int        *status)
{
  g_autoptr(GError) error = NULL;
  ArbWorkspace *ws = arb_workspace_open (path, &error);

  if (ws == NULL)
    *status = arb_cli_fail (error);
  else if (arb_workspace_get_n_removed_imports (ws) > 0)
    fprintf (stderr, "arbiter-cli: %s: removed %u interrupted import(s) that had not finished\n",
             path, arb_workspace_get_n_removed_imports (ws));
  return ws;
}

