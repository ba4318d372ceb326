/* arb-cli-pack.c: arbiter-cli pack, label packs out of a workspace and back in
 *
 *   arbiter-cli pack out WS --rater NAME [--count N] [--days D] -o PACK
 *   arbiter-cli pack in  WS PACK
 *
 * The work is in db/arb-pack.c; this prints what it did.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include <glib/gi18n.h>

#include "arb-cli.h"
#include "arb-pack.h"

static int
pack_out (GOptionContext *context,
          int             argc,
          char          **argv,
          const char     *rater,
          int             count,
          int             days,
          const char     *output)
{
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  ArbPackOutResult r;
  int status = 0;

  if (argc != 3)
    return arb_cli_usage_error (context, _("pack out takes one workspace"));
  if (rater == NULL || *rater == '\0')
    return arb_cli_usage_error (context, _("--rater NAME is needed: whose pack it is"));
  if (output == NULL)
    return arb_cli_usage_error (context, _("-o PACK is needed: where to write the pack"));
  if (count < 1)
    return arb_cli_usage_error (context, _("--count must be 1 or more"));
  if (days < 1 || days > 3650)
    return arb_cli_usage_error (context, _("--days must be 1 to 3650"));

  ws = arb_cli_open_workspace (argv[2], &status);
  if (ws == NULL)
    return status;
  if (!arb_workspace_pack_out (ws, rater, (guint) count, (gint64) days * 24 * 3600, output, &r,
                               &error))
    return arb_cli_fail (error);
  /* TRANSLATORS: PACK: a pack of N comparisons (G gold) for NAME, leased in WS until TIME; … */
  printf (_("%s: a pack of %lld comparisons (%lld gold) for %s, leased in %s until %s; "
            "%lld prompts, %lld generations, %lld systems; pack %s\n"),
          output, (long long) r.comparisons, (long long) r.gold, rater, argv[2], r.expires,
          (long long) r.prompts, (long long) r.generations, (long long) r.systems, r.uuid);
  return 0;
}

static int
pack_in (GOptionContext *context,
         int             argc,
         char          **argv)
{
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  ArbPackInResult r;
  int status = 0;

  if (argc != 4)
    return arb_cli_usage_error (context, _("pack in takes a workspace and a pack"));

  ws = arb_cli_open_workspace (argv[2], &status);
  if (ws == NULL)
    return status;
  if (!arb_workspace_pack_in (ws, argv[3], &r, &error))
    return arb_cli_fail (error);
  printf (_("%s: merged pack %s of %s: added %lld verdicts (%lld dimensions), %lld grades, "
            "%lld spans, %lld events; %lld verdicts were already present; %lld older labels "
            "superseded by later ones; %lld leases done, %lld released; %lld steps cut by a rule, "
            "%lld responses finished on the span and step pages\n"),
          argv[3], r.uuid, r.rater, (long long) r.verdicts, (long long) r.dimensions,
          (long long) r.grades, (long long) r.spans, (long long) r.events,
          (long long) r.verdicts_present, (long long) r.superseded, (long long) r.leases_done,
          (long long) r.leases_released, (long long) r.steps, (long long) r.finished);
  return 0;
}

int
arb_cli_pack (int    argc,
              char **argv)
{
  g_autofree char *rater = NULL;
  g_autofree char *output = NULL;
  int count = ARB_PACK_DEFAULT_COUNT, days = ARB_PACK_DEFAULT_LEASE_DAYS;
  GOptionEntry entries[] = {
    { "rater", 0, 0, G_OPTION_ARG_STRING, &rater,
      N_("out: the annotator the pack is for"), "NAME" },
    { "count", 0, 0, G_OPTION_ARG_INT, &count,
      N_("out: at most N comparisons (default 100)"), "N" },
    { "days", 0, 0, G_OPTION_ARG_INT, &days,
      N_("out: the pack's leases last D days (default 14)"), "D" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("out: write the pack here (it must not exist)"), "PACK" },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("(out WS --rater NAME -o PACK | in WS PACK) — label packs"));
  int status;

  g_option_context_set_summary (context,
                                _("out: write a pack of the comparisons the queue gives NAME "
                                  "next, leased to them in WS.\n"
                                  "in: merge a labelled pack's verdicts, grades, spans and "
                                  "events back into WS."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = arb_cli_parse_options (context, &argc, &argv)) >= 0)
    return status;
  if (argc < 2)
    return arb_cli_usage_error (context, _("pack needs out or in"));
  if (g_str_equal (argv[1], "out"))
    return pack_out (context, argc, argv, rater, count, days, output);
  if (g_str_equal (argv[1], "in"))
    {
      if (rater != NULL || output != NULL)
        return arb_cli_usage_error (context, _("pack in takes no --rater or -o"));
      return pack_in (context, argc, argv);
    }
  {
    g_autofree char *message = g_strdup_printf (_("unknown pack command “%s”; use out or in"),
                                                argv[1]);

    return arb_cli_usage_error (context, message);
  }
}
