/* arb-review-page.h: where annotators disagree, and the final verdict
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "arb-workspace.h"

G_BEGIN_DECLS

#define ARB_TYPE_REVIEW_PAGE (arb_review_page_get_type ())
G_DECLARE_FINAL_TYPE (ArbReviewPage, arb_review_page, ARB, REVIEW_PAGE, GtkWidget)

ArbReviewPage *arb_review_page_new            (void);
void           arb_review_page_set_workspace  (ArbReviewPage *self,
                                               ArbWorkspace  *workspace,
                                               const char    *reviewer);
void           arb_review_page_refresh        (ArbReviewPage *self);
guint          arb_review_page_get_n_disputed (ArbReviewPage *self);
gint64         arb_review_page_get_comparison (ArbReviewPage *self);

char          *arb_prompt_summary            (const char    *messages_json);

G_END_DECLS
