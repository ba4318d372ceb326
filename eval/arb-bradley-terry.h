/* arb-bradley-terry.h: Bradley-Terry ratings on collapsed battles, bootstrap CIs, online Elo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "arb-win-rate.h"

G_BEGIN_DECLS

/* Battles collapsed to cells: for each pair of systems, how often each side won and how often
 * they tied. Counts, not weights: the bootstrap resamples battles, so a battle is a unit. */
typedef struct _ArbBattleTable ArbBattleTable;

ArbBattleTable *arb_battle_table_new          (guint                 n_systems);
void            arb_battle_table_free         (ArbBattleTable       *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbBattleTable, arb_battle_table_free)

gboolean        arb_battle_table_add          (ArbBattleTable       *table,
                                               guint                 a,
                                               guint                 b,
                                               ArbOutcome            outcome,
                                               guint64               count);
gboolean        arb_battle_table_add_battles  (ArbBattleTable       *table,
                                               const ArbBattle      *battles,
                                               gsize                 n_battles);
guint           arb_battle_table_get_n_systems (const ArbBattleTable *table);
guint64         arb_battle_table_get_total    (const ArbBattleTable *table);
guint64         arb_battle_table_get_count    (const ArbBattleTable *table,
                                               guint                 a,
                                               guint                 b,
                                               ArbOutcome            outcome);
guint           arb_battle_table_get_n_pairs  (const ArbBattleTable *table);
gboolean        arb_battle_table_get_pair     (const ArbBattleTable *table,
                                               guint                 index,
                                               guint                *a,
                                               guint                *b,
                                               guint64               counts[3]);

/* The ridge used when the maximum-likelihood estimate does not exist (see docs/statistics.md). */
#define ARB_BT_AUTO_RIDGE 1e-6

typedef struct
{
  guint  anchor;          /* system pinned at 1000 (default 0; the caller passes the baseline) */
  double ridge;           /* λ of the penalty λ/2·Σr² on the mean log-loss; < 0 (default):
                           * 0 when the MLE exists, else ARB_BT_AUTO_RIDGE */
  double tolerance;       /* stop when ‖∇‖₂ < tolerance (default 1e-10) */
  guint  max_iterations;  /* Newton iterations (default 200) */
} ArbBtOptions;

typedef struct
{
  guint    iterations;     /* Newton iterations taken */
  double   gradient_norm;  /* ‖∇‖₂ at the solution, in the r parameterisation */
  double   ridge;          /* the λ used */
  gboolean mle_exists;     /* every split of the systems has a win or tie across it (Ford 1957) */
  double   mean_log_loss;  /* the objective at the solution (without the penalty) */
  guint    n_active;       /* systems with at least one battle */
} ArbBtInfo;

void     arb_bt_options_init           (ArbBtOptions          *options);
gboolean arb_bradley_terry_fit         (const ArbBattleTable  *table,
                                        const ArbBtOptions    *options,
                                        double                *ratings,
                                        ArbBtInfo             *info,
                                        GError               **error);

typedef struct
{
  guint        rounds;     /* default 1000 */
  guint64      seed;       /* default 0 */
  double       ci;         /* central interval, default 0.95 */
  guint        n_threads;  /* 0 (default): one per processor */
  const gint  *cancel;     /* optional: raised (non-zero, read atomically) to stop early */
} ArbBootstrapOptions;

void     arb_bootstrap_options_init    (ArbBootstrapOptions   *options);
gboolean arb_bradley_terry_bootstrap   (const ArbBattleTable      *table,
                                        const ArbBtOptions        *options,
                                        const ArbBootstrapOptions *bootstrap,
                                        double                    *ci_low,
                                        double                    *ci_high,
                                        double                    *samples,
                                        GError                   **error);

double   arb_predicted_win_rate        (double                 rating,
                                        double                 baseline_rating);
double   arb_quantile                  (double                *values,
                                        gsize                  n,
                                        double                 q);
void     arb_quantiles                 (double                *values,
                                        gsize                  n,
                                        const double          *qs,
                                        gsize                  n_qs,
                                        double                *out);

/* Online Elo as FastChat's compute_elo: battles in their order, both sides updated. */
typedef struct
{
  double k;            /* default 4 */
  double base;         /* default 10 */
  double scale;        /* default 400 */
  double init_rating;  /* default 1000 */
} ArbEloOptions;

void     arb_elo_options_init          (ArbEloOptions         *options);
gboolean arb_elo_online                (const ArbBattle       *battles,
                                        gsize                  n_battles,
                                        guint                  n_systems,
                                        const ArbEloOptions   *options,
                                        double                *ratings);

G_END_DECLS
