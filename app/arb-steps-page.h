/* arb-steps-page.h: rate a reasoning response's steps +1 / 0 / -1 by keyboard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "arb-workspace.h"

G_BEGIN_DECLS

#define ARB_TYPE_STEPS_PAGE (arb_steps_page_get_type ())
G_DECLARE_FINAL_TYPE (ArbStepsPage, arb_steps_page, ARB, STEPS_PAGE, GtkWidget)

ArbStepsPage *arb_steps_page_new             (void);
void          arb_steps_page_set_workspace   (ArbStepsPage *self,
                                              ArbWorkspace *workspace,
                                              const char   *annotator);
const char   *arb_steps_page_get_annotator   (ArbStepsPage *self);
/* Shows this generation instead of the queue's next one. */
void          arb_steps_page_show_generation (ArbStepsPage *self,
                                              gint64        generation_id);
gint64        arb_steps_page_get_generation  (ArbStepsPage *self);
int           arb_steps_page_get_current     (ArbStepsPage *self);
guint         arb_steps_page_get_n_steps     (ArbStepsPage *self);
const char   *arb_steps_page_get_state       (ArbStepsPage *self);
void          arb_steps_page_focus           (ArbStepsPage *self);

G_END_DECLS
