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
