/* arb-plan.h: making comparisons between the generations of each prompt
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "arb-workspace.h"

G_BEGIN_DECLS

typedef struct
{
  const char *baseline;     /* pair every system with this one; NULL = all pairs */
  guint       per_prompt;   /* at most this many pairs per prompt (0 = no limit) */
  guint64     seed;         /* chooses which pairs when per_prompt limits them */
} ArbPlanOptions;

typedef struct
{
  gint64 prompts;           /* prompts that got at least one candidate pair */
  gint64 planned;           /* pairs chosen */
  gint64 added;             /* comparisons that were new */
} ArbPlanResult;

gboolean arb_workspace_plan (ArbWorkspace          *self,
                             const ArbPlanOptions  *options,
                             ArbPlanResult         *out_result,
                             GCancellable          *cancellable,
                             GError               **error);

G_END_DECLS
