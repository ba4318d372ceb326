/* arb-agreement.h: agreement between raters, accuracy against gold, position bias, RM accuracy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "arb-bradley-terry.h"

G_BEGIN_DECLS

/* Labels are small non-negative integers (categories); any negative value is missing. For
 * pairwise verdicts the labels are picks, in the canonical orientation: */
typedef enum
{
  ARB_PICK_FAILED  = -2,  /* the rater was asked but gave no verdict (unparseable or failed) */
  ARB_PICK_MISSING = -1,  /* not asked */
  ARB_PICK_A       = 0,
  ARB_PICK_TIE     = 1,
  ARB_PICK_B       = 2,
} ArbPick;

/* How a failed verdict counts (`--failed`). */
typedef enum
{
  ARB_FAILED_DROP,   /* as if not asked */
  ARB_FAILED_WRONG,  /* counts, and is never correct */
  ARB_FAILED_TIE,    /* counts as a tie */
} ArbFailedPolicy;

/* The category a failed verdict becomes under ARB_FAILED_WRONG in arb_picks_apply_failed(). */
#define ARB_PICK_FAILED_CATEGORY 3

ArbPick  arb_pick_from_preference  (double             preference);
void     arb_picks_apply_failed    (int               *picks,
                                    gsize              n,
                                    ArbFailedPolicy    failed);

typedef struct
{
  double agreement;               /* equal labels / items both labelled */
  guint  n;
  double agreement_without_ties;  /* the same on items where neither said tie (MT-Bench) */
  guint  n_without_ties;
} ArbPercentAgreement;

gboolean arb_percent_agreement     (const int           *x,
                                    const int           *y,
                                    gsize                n,
                                    int                  tie_label,
                                    ArbPercentAgreement *out);
double   arb_cohen_kappa           (const int           *x,
                                    const int           *y,
                                    gsize                n,
                                    guint               *n_used);
double   arb_fleiss_kappa          (const int           *labels,
                                    gsize                n_items,
                                    guint                n_raters,
                                    guint               *n_used);

typedef enum
{
  ARB_ALPHA_NOMINAL,
  ARB_ALPHA_ORDINAL,
  ARB_ALPHA_INTERVAL,
} ArbAlphaMetric;

double   arb_krippendorff_alpha    (const double        *values,
                                    guint                n_raters,
                                    gsize                n_units,
                                    ArbAlphaMetric       metric);

gsize    arb_majority_labels       (const int           *labels,
                                    gsize                n_items,
                                    guint                n_raters,
                                    int                 *majority);

typedef struct
{
  double accuracy;   /* n_correct / n; NaN when n = 0 */
  guint  n_correct;
  guint  n;
} ArbAccuracy;

void     arb_accuracy              (const int           *labels,
                                    const int           *gold,
                                    gsize                n,
                                    ArbFailedPolicy      failed,
                                    ArbAccuracy         *out);

/* A judge asked in both presented orders; picks in the canonical orientation (LLMBar). */
typedef struct
{
  ArbAccuracy first;              /* accuracy_by_order[0]: the first presented order */
  ArbAccuracy second;             /* accuracy_by_order[1]: the swapped order */
  double      accuracy_average;   /* mean of the two */
  ArbAccuracy both;               /* accuracy_both_orders: correct in both orders */
  double      order_consistency;  /* same pick in both orders; two failed orders agree */
  guint       n_consistent;
  guint       n_pairs;            /* items with a verdict asked in both orders */
} ArbOrderAccuracy;

void     arb_order_accuracy        (const int           *first,
                                    const int           *second,
                                    const int           *gold,
                                    gsize                n,
                                    ArbFailedPolicy      failed,
                                    ArbOrderAccuracy    *out);

/* Which side was shown first: */
typedef enum
{
  ARB_PRESENTED_UNKNOWN = -1,
  ARB_PRESENTED_AB      = 0,  /* A first */
  ARB_PRESENTED_BA      = 1,  /* B first */
} ArbPresented;

typedef struct
{
  double rate;      /* first_position_rate = n_first / (n_first + n_second); NaN if none */
  guint  n_first;   /* decisive picks of the first-shown response */
  guint  n_second;
  guint  n_ties;
  guint  n_failed;
} ArbPositionBias;

void     arb_first_position_rate   (const int           *picks,
                                    const int           *presented,
                                    gsize                n,
                                    ArbPositionBias     *out);

gboolean arb_reward_accuracy       (const double        *chosen,
                                    const double        *rejected,
                                    const guint         *categories,
                                    gsize                n,
                                    guint                n_categories,
                                    ArbFailedPolicy      failed,
                                    ArbAccuracy         *per_category,
                                    ArbAccuracy         *weighted,
                                    double              *macro);

typedef struct
{
  double difference;  /* mean(x) − mean(y) on the prompts both have */
  double ci_low;      /* percentile bounds of the resampled difference */
  double ci_high;
  double p_value;     /* share of rounds with difference ≤ 0: small = X better than Y */
  guint  n;           /* prompts used */
} ArbPairedTest;

gboolean arb_paired_bootstrap      (const double              *x,
                                    const double              *y,
                                    gsize                      n,
                                    const ArbBootstrapOptions *options,
                                    ArbPairedTest             *out,
                                    GError                   **error);

G_END_DECLS
