/* arb-stats.h: the leaderboard and the agreement of raters, gathered from a workspace
 *
 * db/ gathers the verdicts of the chosen raters into arrays and eval/ computes on them; the
 * CLI (`arbiter-cli stats`, `agreement`) and the dashboard show the same results. The rules
 * (which verdict counts how) are written down in docs/statistics.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "arb-eval.h"
#include "arb-workspace.h"

G_BEGIN_DECLS

typedef enum
{
  ARB_STATS_METHOD_WINRATE,  /* rank by win rate against the baseline */
  ARB_STATS_METHOD_BT,       /* rank by Bradley-Terry rating (the default) */
  ARB_STATS_METHOD_ELO,      /* rank by online Elo */
} ArbStatsMethod;

typedef enum
{
  ARB_ORDERS_EACH,      /* every presented order is its own battle (Arena-Hard) */
  ARB_ORDERS_FASTCHAT,  /* both orders make one battle; a tie when they disagree (MT-Bench) */
} ArbOrdersRule;

typedef struct
{
  const char * const *raters;     /* names; NULL or empty: every rater but gold ones */
  const char         *baseline;   /* system name; NULL: the system in the most comparisons */
  const char         *category;   /* only prompts of this category; NULL: all */
  ArbStatsMethod      method;
  ArbOrdersRule       orders;
  ArbFailedPolicy     failed;     /* drop, or tie; "wrong" counts as drop here */
  guint               bootstrap;  /* rounds for the rating CIs; 0: none */
  double              ci;         /* central interval, e.g. 0.95 */
  guint64             seed;
  const gint         *cancel;     /* optional flag that stops the bootstrap */
} ArbStatsOptions;

void arb_stats_options_init (ArbStatsOptions *options);

typedef struct
{
  char      *system;
  gboolean   is_baseline;
  ArbWinRate win_rate;          /* against the baseline; n_total 0 when never compared */
  gint64     avg_length;        /* code points, mean over the system's generations, floored */
  double     lc_win_rate;       /* NaN when it cannot be fitted */
  double     rating;            /* Bradley-Terry, or Elo with method elo; NaN without battles */
  double     ci_low;            /* NaN without bootstrap */
  double     ci_high;
  double     predicted_win_rate; /* from the rating, against the baseline (percent) */
  double     predicted_low;
  double     predicted_high;
  guint64    n_battles;
} ArbSystemResult;

typedef struct
{
  char       *baseline;
  GPtrArray  *systems;          /* ArbSystemResult, best first by the method */
  guint       n_systems;
  double     *win_matrix;       /* n_systems², row-major in the order of systems: share of row's
                                 * wins over column (ties half); NaN where they never met */
  guint64    *battle_matrix;    /* n_systems²: battles between row and column */
  guint64     n_battles;
  guint64     n_verdicts;       /* verdicts read */
  guint64     n_failed;         /* of those, unparseable or failed */
  GStrv       categories;       /* every category in the workspace (for filters) */
  /* Win rate against length difference: every preference over the baseline, pooled over the
   * systems, in ARB_STATS_LENGTH_BINS bins of Δ = length − baseline's length. */
  ArbLengthBin length_bins[10];
  guint        n_length_bins;
} ArbStats;

#define ARB_STATS_LENGTH_BINS 10

void arb_stats_free (ArbStats *stats);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbStats, arb_stats_free)

ArbStats *arb_workspace_compute_stats (ArbWorkspace          *ws,
                                       const ArbStatsOptions *options,
                                       GError               **error);

gboolean  arb_workspace_paired_test   (ArbWorkspace          *ws,
                                       const ArbStatsOptions *options,
                                       const char            *x,
                                       const char            *y,
                                       ArbPairedTest         *out,
                                       GError               **error);

typedef struct
{
  const char * const *raters;   /* NULL or empty: every rater */
  const char         *gold;     /* a rater's name, "majority" (of human annotators), or NULL:
                                 * the rater with role gold if there is exactly one */
  const char         *category;
  ArbFailedPolicy     failed;
} ArbAgreementOptions;

typedef struct
{
  char            *rater;
  char            *kind;
  char            *role;
  guint            n_items;       /* comparisons it gave a verdict on */
  guint            n_verdicts;
  ArbAccuracy      accuracy;      /* against the gold labels; n 0 without gold */
  gboolean         has_orders;    /* asked in both presented orders on some comparisons */
  ArbOrderAccuracy orders;
  ArbPositionBias  position;
  double           median_seconds; /* per verdict, over those with a time; NaN without */
  /* A rater with grades (reward model, graded judge): RewardBench's strict accuracy, the gold
   * side's grade strictly above the other's, over comparisons with a decisive gold label. */
  ArbAccuracy      reward;          /* n 0 without grades or gold */
  double           reward_macro;    /* mean over categories */
  GStrv            reward_categories;     /* the categories of reward_by_category */
  ArbAccuracy     *reward_by_category;
  double           mean_kappa;     /* Cohen's κ with each other rater, averaged; NaN without */
} ArbRaterResult;

typedef struct
{
  char      *gold;                /* what the accuracies are measured against, or NULL */
  GPtrArray *raters;              /* ArbRaterResult, in name order */
  guint      n_raters;
  guint      n_items;             /* comparisons with at least one verdict of these raters */
  double    *cohen_kappa;         /* n_raters², NaN on the diagonal and where undefined */
  double    *percent_agreement;   /* n_raters² */
  guint     *n_common;            /* n_raters²: comparisons both labelled */
  double     fleiss_kappa;
  guint      fleiss_n;
  double     alpha_nominal;
  double     alpha_ordinal;
  double     alpha_interval;
} ArbAgreement;

void arb_agreement_free (ArbAgreement *agreement);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbAgreement, arb_agreement_free)

ArbAgreement *arb_workspace_compute_agreement (ArbWorkspace              *ws,
                                               const ArbAgreementOptions *options,
                                               GError                   **error);

G_END_DECLS
