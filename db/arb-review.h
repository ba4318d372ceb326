/* arb-review.h: comparisons on which human annotators disagree, and their adjudication
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "arb-workspace.h"

G_BEGIN_DECLS

typedef struct
{
  gint64  verdict_id;
  char   *rater;
  char   *kind;        /* human, judge, reward_model */
  char   *role;        /* annotator, gold, adjudicator */
  char   *status;      /* ok, unparseable, failed */
  double  preference;  /* toward b, in [0, 1] (NaN when none) */
  int     strength;    /* -1 when none */
  char   *presented;   /* (nullable) */
  char   *rationale;   /* (nullable) */
  double  seconds;     /* -1 when unknown */
  char   *raw;         /* (nullable) a machine rater's reply as it came */
  int     sample;
} ArbVerdictInfo;

/* One current grade of a generation (a reward model's score, a judge's 1-10). */
typedef struct
{
  char   *rater;
  char   *status;      /* ok, unparseable, failed */
  double  score;       /* NaN when none */
  char   *raw;         /* (nullable) */
} ArbGradeInfo;

void       arb_grade_info_free                (ArbGradeInfo   *info);
GPtrArray *arb_workspace_list_grades          (ArbWorkspace   *self,
                                               gint64          generation_id,
                                               GError        **error);
GArray    *arb_workspace_list_comparisons_between (ArbWorkspace *self,
                                                   const char   *system,
                                                   const char   *other,
                                                   guint         limit,
                                                   GError      **error);

void       arb_verdict_info_free              (ArbVerdictInfo *info);

GArray    *arb_workspace_list_disagreements   (ArbWorkspace   *self,
                                               guint           limit,
                                               GError        **error);
GPtrArray *arb_workspace_list_verdicts        (ArbWorkspace   *self,
                                               gint64          comparison_id,
                                               GError        **error);
gint64     arb_workspace_adjudicate           (ArbWorkspace   *self,
                                               gint64          comparison_id,
                                               const char     *adjudicator,
                                               int             choice,
                                               const char     *rationale,
                                               GError        **error);

G_END_DECLS
