/* arb-judge-template.h: a judge's prompt template and how its replies are read
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "arb-judge-error.h"

G_BEGIN_DECLS

typedef enum
{
  ARB_VERDICT_PAIRWISE_5,  /* [[A>>B]] [[A>B]] [[A=B]] [[B>A]] [[B>>A]]; the last one counts */
  ARB_VERDICT_PAIRWISE_3,  /* [[A]] [[B]] [[C]] (C: a tie); the last one counts */
  ARB_VERDICT_GRADE_10,    /* [[n]], n in 1..10, of one answer; the last one counts */
  ARB_VERDICT_LOGPROB,     /* one token; p = P(B) / (P(A) + P(B)) from top_logprobs */
} ArbVerdictSyntax;

typedef struct
{
  char             *name;
  char             *path;
  char             *sha256;          /* of the file's contents: part of the rater's identity */
  char             *system;          /* NULL: no system message */
  char             *user;
  ArbVerdictSyntax  verdict;
  gboolean          needs_reference; /* uses {reference}; comparisons without one are left out */
  int               max_tokens;
  double            temperature;
  int               top_logprobs;    /* ARB_VERDICT_LOGPROB */
  char             *label_a;         /* the tokens that name the first and the second answer */
  char             *label_b;
} ArbJudgeTemplate;

void              arb_judge_template_free     (ArbJudgeTemplate        *tmpl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbJudgeTemplate, arb_judge_template_free)

ArbJudgeTemplate *arb_judge_template_load     (const char              *name_or_path,
                                               GError                 **error);
ArbJudgeTemplate *arb_judge_template_new_from_data (const char         *name,
                                               const char              *data,
                                               gsize                    len,
                                               GError                 **error);
char             *arb_judge_template_fill     (const char              *text,
                                               const char              *question,
                                               const char              *answer_a,
                                               const char              *answer_b,
                                               const char              *reference);
char             *arb_judge_template_build    (const ArbJudgeTemplate  *tmpl,
                                               const char              *model,
                                               const char              *question,
                                               const char              *first,
                                               const char              *second,
                                               const char              *reference,
                                               int                      sample,
                                               gint64                  *out_estimated_input);
char             *arb_judge_template_identity (const ArbJudgeTemplate  *tmpl,
                                               const char              *model);

gboolean          arb_judge_parse_text        (ArbVerdictSyntax         syntax,
                                               const char              *text,
                                               double                  *out_value,
                                               int                     *out_strength);
gboolean          arb_judge_parse_response    (const ArbJudgeTemplate  *tmpl,
                                               const char              *response,
                                               double                  *out_value,
                                               int                     *out_strength,
                                               char                   **out_text);

char             *arb_judge_request_key       (const char              *body,
                                               int                      sample);
char             *arb_judge_endpoint_url      (const char              *endpoint);

G_END_DECLS
