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
} ArbVerdictInfo;

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
