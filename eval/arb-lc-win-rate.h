/* arb-lc-win-rate.h: length-controlled win rate (AlpacaEval's length_controlled_minimal GLM)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  double c;  /* inverse L2 strength, sklearn's C (default 100, AlpacaEval's fixed-C default) */
} ArbLcOptions;

typedef struct
{
  double   length_controlled_win_rate;  /* 100 · σ(θ): predicted at zero length difference */
  double   length_coefficient;          /* β, on tanh(Δ / sd(Δ)) */
  double   system_coefficient;          /* θ */
  double   length_scale;                /* sd(Δ), ddof 1, over every row given */
  guint    n;                           /* rows with a preference */
  guint    iterations;
} ArbLcWinRate;

void     arb_lc_options_init  (ArbLcOptions       *options);
gboolean arb_lc_win_rate      (const double       *preferences,
                               const gint64       *lengths,
                               const gint64       *baseline_lengths,
                               gsize               n,
                               const ArbLcOptions *options,
                               ArbLcWinRate       *out,
                               GError            **error);

G_END_DECLS
