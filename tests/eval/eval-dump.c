/* eval-dump.c: generates a data set, runs eval/ on it and prints both as JSON, so that the
 * Python references in tests/bench/ can recompute the same numbers and compare.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   eval-dump bt SEED N_SYSTEMS N_BATTLES [unbeaten|ROUNDS]
 *                                    Bradley-Terry fit (+ the battle cells); with ROUNDS also the
 *                                    95 % bootstrap bounds (seed 1)
 *   eval-dump lc SEED N_ROWS [C]                        length-controlled win rate (+ the rows)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "arb-eval.h"

static int
dump_bt (guint64  seed,
         guint    n_systems,
         guint    n_battles,
         gboolean unbeaten,
         guint    rounds)
{
  g_autoptr(ArbBattleTable) table = arb_battle_table_new (n_systems);
  g_autofree double *strength = g_new (double, n_systems);
  g_autofree double *ratings = g_new (double, n_systems);
  g_autoptr(GError) error = NULL;
  ArbBtOptions options;
  ArbBtInfo info;
  ArbRandom rng;

  arb_random_init (&rng, seed, 0);
  for (guint i = 0; i < n_systems; i++)
    strength[i] = 3 * arb_random_double (&rng) - 1.5;
  for (guint k = 0; k < n_battles; k++)
    {
      guint a = arb_random_below (&rng, n_systems);
      guint b = arb_random_below (&rng, n_systems - 1);
      double u = arb_random_double (&rng), p;
      ArbOutcome o;

      b += b >= a;
      p = 1 / (1 + exp (-(strength[a] - strength[b])));
      if (u < 0.15)
        o = ARB_OUTCOME_TIE;
      else
        o = arb_random_double (&rng) < p ? ARB_OUTCOME_A : ARB_OUTCOME_B;
      /* "unbeaten": system n − 1 never loses (its losses become its wins) and never ties, so the
       * MLE does not exist and the automatic ridge is used. */
      if (unbeaten && (a == n_systems - 1 || b == n_systems - 1))
        o = a == n_systems - 1 ? ARB_OUTCOME_A : ARB_OUTCOME_B;
      arb_battle_table_add (table, a, b, o, 1);
    }

  arb_bt_options_init (&options);
  options.anchor = 0;
  if (!arb_bradley_terry_fit (table, &options, ratings, &info, &error))
    {
      fprintf (stderr, "eval-dump: %s\n", error->message);
      return 1;
    }
  printf ("{\"n_systems\": %u, \"anchor\": %u, \"ridge\": %.17g, \"mle_exists\": %s,\n",
          n_systems, options.anchor, info.ridge, info.mle_exists ? "true" : "false");
  printf (" \"iterations\": %u, \"gradient_norm\": %.17g,\n", info.iterations, info.gradient_norm);
  printf (" \"ratings\": [");
  for (guint i = 0; i < n_systems; i++)
    printf ("%s%.17g", i ? ", " : "", ratings[i]);
  printf ("],\n");
  if (rounds > 0)
    {
      g_autofree double *lo = g_new (double, n_systems), *hi = g_new (double, n_systems);
      ArbBootstrapOptions boot;

      arb_bootstrap_options_init (&boot);
      boot.rounds = rounds;
      boot.seed = 1;
      if (!arb_bradley_terry_bootstrap (table, &options, &boot, lo, hi, NULL, &error))
        {
          fprintf (stderr, "eval-dump: %s\n", error->message);
          return 1;
        }
      printf (" \"rounds\": %u, \"ci_low\": [", rounds);
      for (guint i = 0; i < n_systems; i++)
        printf ("%s%.17g", i ? ", " : "", lo[i]);
      printf ("], \"ci_high\": [");
      for (guint i = 0; i < n_systems; i++)
        printf ("%s%.17g", i ? ", " : "", hi[i]);
      printf ("],\n");
    }
  printf (" \"pairs\": [");
  for (guint k = 0; k < arb_battle_table_get_n_pairs (table); k++)
    {
      guint a, b;
      guint64 c[3];

      arb_battle_table_get_pair (table, k, &a, &b, c);
      printf ("%s[%u, %u, %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "]",
              k ? ", " : "", a, b, c[0], c[1], c[2]);
    }
  printf ("]}\n");
  return 0;
}

static int
dump_lc (guint64 seed,
         guint   n,
         double  c)
{
  g_autofree double *x = g_new (double, n);
  g_autofree gint64 *len = g_new (gint64, n), *base = g_new (gint64, n);
  g_autoptr(GError) error = NULL;
  ArbLcOptions options;
  ArbLcWinRate lc;
  ArbRandom rng;

  arb_random_init (&rng, seed, 1);
  for (guint i = 0; i < n; i++)
    {
      double u = arb_random_double (&rng), z;

      base[i] = 300 + (gint64) arb_random_below (&rng, 1500);
      /* The system writes about 1.4× as long; the judge likes length, and the system a bit. */
      len[i] = (gint64) (base[i] * (0.6 + 1.6 * arb_random_double (&rng)));
      z = 0.3 + 1.2 * tanh ((double) (len[i] - base[i]) / 600.0) + 1.5 * (u - 0.5);
      if (i % 37 == 5)
        x[i] = NAN;                          /* missing */
      else if (i % 11 == 3)
        x[i] = 0.5;                          /* a draw */
      else if (i % 3 == 0)
        x[i] = 1 / (1 + exp (-2 * z));       /* a soft (log-probability) preference */
      else
        x[i] = z > 0 ? 1 : 0;
    }
  arb_lc_options_init (&options);
  if (c > 0)
    options.c = c;
  if (!arb_lc_win_rate (x, len, base, n, &options, &lc, &error))
    {
      fprintf (stderr, "eval-dump: %s\n", error->message);
      return 1;
    }
  printf ("{\"c\": %.17g, \"lc\": %.17g, \"beta\": %.17g, \"theta\": %.17g, \"sd\": %.17g,\n",
          options.c, lc.length_controlled_win_rate, lc.length_coefficient, lc.system_coefficient,
          lc.length_scale);
  printf (" \"rows\": [");
  for (guint i = 0; i < n; i++)
    {
      if (isnan (x[i]))
        printf ("%s[null, %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]", i ? ", " : "", len[i],
                base[i]);
      else
        printf ("%s[%.17g, %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]", i ? ", " : "", x[i],
                len[i], base[i]);
    }
  printf ("]}\n");
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  if (argc >= 5 && g_str_equal (argv[1], "bt"))
    return dump_bt (g_ascii_strtoull (argv[2], NULL, 10), atoi (argv[3]), atoi (argv[4]),
                    argc >= 6 && g_str_equal (argv[5], "unbeaten"),
                    argc >= 6 && !g_str_equal (argv[5], "unbeaten") ? atoi (argv[5]) : 0);
  if (argc >= 4 && g_str_equal (argv[1], "lc"))
    return dump_lc (g_ascii_strtoull (argv[2], NULL, 10), atoi (argv[3]),
                    argc >= 5 ? g_ascii_strtod (argv[4], NULL) : 0);
  fprintf (stderr, "usage: eval-dump bt SEED N_SYSTEMS N_BATTLES [unbeaten|ROUNDS]\n"
                   "       eval-dump lc SEED N_ROWS [C]\n");
  return 2;
}
