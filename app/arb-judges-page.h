/* arb-judges-page.h: run an LLM judge over the workspace's comparisons
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "arb-judge-run.h"
#include "arb-workspace.h"

G_BEGIN_DECLS

#define ARB_TYPE_JUDGES_PAGE (arb_judges_page_get_type ())
G_DECLARE_FINAL_TYPE (ArbJudgesPage, arb_judges_page, ARB, JUDGES_PAGE, GtkWidget)

ArbJudgesPage        *arb_judges_page_new               (void);
void                  arb_judges_page_set_workspace     (ArbJudgesPage *self,
                                                         ArbWorkspace  *workspace);
void                  arb_judges_page_refresh           (ArbJudgesPage *self);
/* Adds a template file to the template chooser and chooses it (what "Other file…" does). */
void                  arb_judges_page_set_template_file (ArbJudgesPage *self,
                                                         const char    *path);
/* For tests: whether an estimate or a run is going on, and what the last one reported (its
 * progress while it runs; NULL before the first). */
gboolean              arb_judges_page_is_busy           (ArbJudgesPage *self);
const ArbJudgeResult *arb_judges_page_get_result        (ArbJudgesPage *self);

G_END_DECLS
