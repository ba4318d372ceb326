/* arb-comparison.h: what one comparison shows: the prompt and its two generations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "arb-workspace.h"

G_BEGIN_DECLS

typedef struct
{
  char   *system;     /* the system's name (shown only when names are not hidden) */
  char   *text;       /* the last assistant message */
  char   *messages;   /* (nullable) JSON of the response's turns when it spans several */
  char   *kind;       /* text, image or missing */
  gint64  id;
  gint64  length;     /* code points */
} ArbGenerationView;

typedef struct
{
  gint64             id;
  char              *uuid;
  char              *messages;    /* JSON: [{"role": ..., "content": ...}, ...] */
  char              *category;    /* (nullable) */
  char              *reference;   /* (nullable) */
  ArbGenerationView  a;           /* the stored orientation: a has the smaller id */
  ArbGenerationView  b;
} ArbComparisonView;

ArbComparisonView *arb_workspace_get_comparison (ArbWorkspace      *self,
                                                 gint64             comparison_id,
                                                 GError           **error);
void               arb_comparison_view_free     (ArbComparisonView *view);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbComparisonView, arb_comparison_view_free)

G_END_DECLS
