/* arb-win-rate.h: win rate against a baseline (AlpacaEval 2) and battles from both orders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* AlpacaEval 2's head-to-head metrics (alpaca_eval/metrics/winrate.py, get_winrate). */
typedef struct
{
  double win_rate;           /* 100 · mean(x) */
  double standard_error;     /* 100 · std(x, ddof 1) / √n; NaN when n < 2 */
  guint  n_wins;             /* #(x > ½) */
  guint  n_wins_base;        /* #(x < ½) */
  guint  n_draws;            /* #(x = ½) */
  guint  n_total;            /* non-missing x */
  double discrete_win_rate;  /* 100 · mean(round(x)), exact ½ kept, else half to even */
} ArbWinRate;

gboolean arb_win_rate                 (const double   *preferences,
                                       gsize           n,
                                       ArbWinRate     *out);
gint64   arb_avg_length               (const gint64   *lengths,
                                       gsize           n);

/* One point of "win rate against length difference". */
typedef struct
{
  double length_difference;  /* mean of system − baseline length in the bin */
  double win_rate;           /* 100 · mean(x) in the bin */
  guint  n;
} ArbLengthBin;

guint    arb_win_rate_by_length       (const double   *preferences,
                                       const gint64   *lengths,
                                       const gint64   *baseline_lengths,
                                       gsize           n,
                                       guint           n_bins,
                                       ArbLengthBin   *bins);

/* The outcome of one battle between systems a and b. */
typedef enum
{
  ARB_OUTCOME_A   = 0,  /* a won */
  ARB_OUTCOME_TIE = 1,
  ARB_OUTCOME_B   = 2,  /* b won */
} ArbOutcome;

typedef struct
{
  guint32 a;        /* system index */
  guint32 b;        /* system index, != a */
  guint32 outcome;  /* an ArbOutcome */
} ArbBattle;

/* One verdict on a comparison of system a (generation A) with system b (generation B), already
 * in the canonical orientation (the importer flipped the "ba" order back). */
typedef struct
{
  double preference;  /* B over A in [0, 1]; NaN: no verdict (unparseable or failed) */
  int    strength;    /* 0 tie, 1 better, 2 much better; -1 continuous or unknown */
} ArbVerdict;

ArbOutcome arb_verdict_outcome        (const ArbVerdict *verdict);

gsize    arb_battles_each             (guint32           a,
                                       guint32           b,
                                       const ArbVerdict *verdicts,
                                       gsize             n_verdicts,
                                       ArbBattle        *out);
gboolean arb_battles_fastchat         (guint32           a,
                                       guint32           b,
                                       const ArbVerdict *first,
                                       const ArbVerdict *second,
                                       ArbBattle        *out);

G_END_DECLS
