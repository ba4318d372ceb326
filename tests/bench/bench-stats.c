/* bench-stats.c: Bradley-Terry plus a 1 000-round bootstrap on 1 000 000 battles among 100
 * systems, in Arbiter's eval/ and in the NumPy/SciPy reference (tests/bench/bt_reference.py),
 * in the same run
 *
 * The battles come from a seed: 100 systems with spread-out strengths, every battle between two
 * distinct systems drawn uniformly, 10 % ties. Arbiter collapses them into cells, fits, and
 * bootstraps on the cells (multinomial counts per cell, a warm-started solve per round) on every
 * processor. The reference gets the same cells in a JSON file and does the same work its plain
 * way (a cold L-BFGS-B per round). The run prints the time and peak RSS of each, the ratio, and
 * how far apart the two sets of ratings are. It exits non-zero only when something failed; a
 * figure that misses its target is printed as "target missed".
 *
 * Usage: bench-stats PYTHON3 BT_REFERENCE.PY [--rounds N] [--battles N] [--threads N]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-c/json.h>

#include "arb-eval.h"

#define N_SYSTEMS 100

/* The peak resident set of this process, from the kernel's own count (VmHWM), in KiB. */
static long
self_peak_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmHWM:");
  return line ? strtol (line + 6, NULL, 10) : -1;
}

static double
now (void)
{
  return g_get_monotonic_time () / (double) G_USEC_PER_SEC;
}

int
main (int   argc,
      char *argv[])
{
  gint opt_rounds = 1000, opt_battles = 1000000, opt_threads = 0;
  GOptionEntry entries[] = {
    { "rounds", 0, 0, G_OPTION_ARG_INT, &opt_rounds, "bootstrap rounds", "N" },
    { "battles", 0, 0, G_OPTION_ARG_INT, &opt_battles, "battles", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &opt_threads, "bootstrap threads (0: all)", "N" },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("PYTHON3 BT_REFERENCE.PY");
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbBattleTable) table = NULL;
  g_autofree ArbBattle *battles = NULL;
  g_autofree double *strength = NULL;
  double ratings[N_SYSTEMS], lo[N_SYSTEMS], hi[N_SYSTEMS];
  double t0, t_collapse, t_fit, t_boot, arb_seconds, py_seconds, py_wall, max_diff = 0;
  double max_ci_diff = 0;
  g_autofree char *tmpdir = NULL, *cells_path = NULL, *rounds_arg = NULL;
  g_autoptr(GString) cells = NULL;
  ArbBtOptions options;
  ArbBootstrapOptions boot;
  ArbBtInfo info;
  ArbRandom rng;
  long arb_rss;
  GPid pid;
  gint out_fd;
  struct rusage usage;
  int status;
  g_autoptr(GString) py_out = g_string_new (NULL);
  json_object *py = NULL, *v;
  char buffer[65536];
  ssize_t got;
  int failures = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 3)
    {
      fprintf (stderr, "usage: bench-stats PYTHON3 BT_REFERENCE.PY [--rounds N] [--battles N]\n");
      return 2;
    }

  /* The data: strengths spread over about ±700 rating points. */
  strength = g_new (double, N_SYSTEMS);
  battles = g_new (ArbBattle, opt_battles);
  arb_random_init (&rng, 2024, 0);
  for (guint i = 0; i < N_SYSTEMS; i++)
    strength[i] = 4 * arb_random_double (&rng) - 2;
  for (gint k = 0; k < opt_battles; k++)
    {
      guint a = arb_random_below (&rng, N_SYSTEMS);
      guint b = arb_random_below (&rng, N_SYSTEMS - 1);
      double p;

      b += b >= a;
      p = 1 / (1 + exp (-(strength[a] - strength[b])));
      battles[k].a = a;
      battles[k].b = b;
      if (arb_random_double (&rng) < 0.1)
        battles[k].outcome = ARB_OUTCOME_TIE;
      else
        battles[k].outcome = arb_random_double (&rng) < p ? ARB_OUTCOME_A : ARB_OUTCOME_B;
    }

  /* Arbiter. */
  t0 = now ();
  table = arb_battle_table_new (N_SYSTEMS);
  if (!arb_battle_table_add_battles (table, battles, opt_battles))
    g_error ("a battle was out of range");
  t_collapse = now () - t0;

  arb_bt_options_init (&options);
  options.anchor = 0;
  t0 = now ();
  if (!arb_bradley_terry_fit (table, &options, ratings, &info, &error))
    g_error ("fit: %s", error->message);
  t_fit = now () - t0;

  arb_bootstrap_options_init (&boot);
  boot.rounds = opt_rounds;
  boot.seed = 1;
  boot.n_threads = opt_threads;
  t0 = now ();
  if (!arb_bradley_terry_bootstrap (table, &options, &boot, lo, hi, NULL, &error))
    g_error ("bootstrap: %s", error->message);
  t_boot = now () - t0;
  arb_rss = self_peak_rss_kib ();
  arb_seconds = t_fit + t_boot;

  printf ("data: %d battles among %d systems, %u pairs, %d bootstrap rounds\n",
          opt_battles, N_SYSTEMS, arb_battle_table_get_n_pairs (table), opt_rounds);
  printf ("arbiter: collapse %.3f s, fit %.4f s (%u Newton steps, gradient %.2g), "
          "bootstrap %.3f s on %u threads, fit + bootstrap %.3f s, peak RSS %.1f MB\n",
          t_collapse, t_fit, info.iterations, info.gradient_norm, t_boot,
          opt_threads ? (guint) opt_threads : g_get_num_processors (), arb_seconds,
          arb_rss / 1024.0);

  /* The reference, on the same cells. */
  tmpdir = g_dir_make_tmp ("arb-bench-stats-XXXXXX", &error);
  g_assert_no_error (error);
  cells = g_string_new (NULL);
  g_string_append_printf (cells, "{\"n_systems\": %d, \"anchor\": 0, \"ridge\": %.17g, \"pairs\": [",
                          N_SYSTEMS, info.ridge);
  for (guint k = 0; k < arb_battle_table_get_n_pairs (table); k++)
    {
      guint a, b;
      guint64 c[3];

      arb_battle_table_get_pair (table, k, &a, &b, c);
      g_string_append_printf (cells, "%s[%u, %u, %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                              ", %" G_GUINT64_FORMAT "]", k ? ", " : "", a, b, c[0], c[1], c[2]);
    }
  g_string_append (cells, "]}\n");
  cells_path = g_build_filename (tmpdir, "cells.json", NULL);
  g_file_set_contents (cells_path, cells->str, cells->len, &error);
  g_assert_no_error (error);

  rounds_arg = g_strdup_printf ("%d", opt_rounds);
  {
    char *py_argv[] = { argv[1], argv[2], (char *) "--bench", cells_path, rounds_arg, NULL };

    t0 = now ();
    if (!g_spawn_async_with_pipes (NULL, py_argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                   &pid, NULL, &out_fd, NULL, &error))
      g_error ("cannot run the reference: %s", error->message);
  }
  while ((got = read (out_fd, buffer, sizeof buffer)) != 0)
    {
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        g_error ("reading the reference: %s", g_strerror (errno));
      g_string_append_len (py_out, buffer, got);
    }
  close (out_fd);
  if (wait4 (pid, &status, 0, &usage) < 0)
    g_error ("wait4: %s", g_strerror (errno));
  py_wall = now () - t0;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      printf ("reference: failed (status %d)\n", status);
      return 1;
    }
  py = json_tokener_parse (py_out->str);
  if (py == NULL)
    g_error ("the reference printed no JSON: %s", py_out->str);
  json_object_object_get_ex (py, "fit_seconds", &v);
  py_seconds = json_object_get_double (v);
  json_object_object_get_ex (py, "bootstrap_seconds", &v);
  py_seconds += json_object_get_double (v);
  json_object_object_get_ex (py, "ratings", &v);
  for (guint i = 0; i < N_SYSTEMS; i++)
    max_diff = MAX (max_diff, fabs (json_object_get_double (json_object_array_get_idx (v, i)) -
                                    ratings[i]));
  json_object_object_get_ex (py, "ci_low", &v);
  for (guint i = 0; i < N_SYSTEMS; i++)
    max_ci_diff = MAX (max_ci_diff, fabs (json_object_get_double (json_object_array_get_idx (v, i)) -
                                          lo[i]));
  json_object_object_get_ex (py, "ci_high", &v);
  for (guint i = 0; i < N_SYSTEMS; i++)
    max_ci_diff = MAX (max_ci_diff, fabs (json_object_get_double (json_object_array_get_idx (v, i)) -
                                          hi[i]));

  printf ("reference: fit + bootstrap %.3f s (wall %.3f s with interpreter start and the JSON), "
          "peak RSS %.1f MB\n", py_seconds, py_wall, usage.ru_maxrss / 1024.0);
  printf ("ratings: max |arbiter - reference| %.3g rating points; CI bounds differ by at most "
          "%.2f points (independent random draws)\n", max_diff, max_ci_diff);
  printf ("ratio: arbiter is %.1fx faster than the reference (target 20x)%s\n",
          py_seconds / arb_seconds, py_seconds / arb_seconds >= 20 ? "" : " target missed");
  printf ("bootstrap: %d rounds in %.3f s (target < 1 s on two cores)%s\n", opt_rounds, t_boot,
          t_boot < 1 ? "" : " target missed");

  if (max_diff > 1e-4)
    {
      printf ("FAILED: the ratings differ from the reference by more than 1e-4\n");
      failures++;
    }
  json_object_put (py);
  g_unlink (cells_path);
  g_rmdir (tmpdir);
  return failures ? 1 : 0;
}
