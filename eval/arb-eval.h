/* arb-eval.h: Arbiter's statistics on plain arrays (win rates, ratings, agreement)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * eval/ is pure computation: no I/O, no SQLite, no GTK. It uses GLib (glib-2.0) and libm only.
 * Every function is deterministic given its inputs and, where it resamples, a seed.
 * Each formula, its source and its conventions are written down in docs/statistics.md.
 *
 * Conventions shared by every header:
 *  - A preference is how strongly B is preferred over A, in [0, 1]; NaN means missing.
 *  - A system, rater or category is a small index (guint) into the caller's own list.
 *  - Ratings are on the Elo scale: 400 points = a factor 10 in the odds.
 *  - Nothing keeps global state: every function is reentrant, and a const ArbBattleTable or
 *    ArbMultinomial may be read from several threads at once.
 *
 * What is where:
 *  arb-win-rate.h       arb_win_rate (AlpacaEval 2 metrics), arb_avg_length,
 *                       arb_win_rate_by_length, arb_battles_each / arb_battles_fastchat (both
 *                       orders → battles), arb_verdict_outcome
 *  arb-bradley-terry.h  ArbBattleTable (battles collapsed to cells), arb_bradley_terry_fit,
 *                       arb_bradley_terry_bootstrap (percentile CIs, threads, seed),
 *                       arb_predicted_win_rate, arb_elo_online, arb_quantile(s)
 *  arb-lc-win-rate.h    arb_lc_win_rate (length_controlled_minimal GLM)
 *  arb-agreement.h      arb_percent_agreement, arb_cohen_kappa, arb_fleiss_kappa,
 *                       arb_krippendorff_alpha, arb_majority_labels, arb_accuracy,
 *                       arb_order_accuracy (LLMBar), arb_first_position_rate,
 *                       arb_reward_accuracy (RewardBench strict), arb_paired_bootstrap
 *  arb-random.h         ArbRandom streams (seed, index), binomial, ArbMultinomial
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ARB_EVAL_ERROR (arb_eval_error_quark ())

typedef enum
{
  ARB_EVAL_ERROR_INVALID,        /* inputs out of range (an index past the end, a bad option) */
  ARB_EVAL_ERROR_EMPTY,          /* nothing to compute on (no battles, no pairable values) */
  ARB_EVAL_ERROR_NO_CONVERGENCE, /* the solver did not reach its tolerance */
  ARB_EVAL_ERROR_CANCELLED,      /* the caller's cancel flag was raised */
} ArbEvalError;

GQuark arb_eval_error_quark (void);

G_END_DECLS

#include "arb-random.h"
#include "arb-win-rate.h"
#include "arb-bradley-terry.h"
#include "arb-lc-win-rate.h"
#include "arb-agreement.h"
