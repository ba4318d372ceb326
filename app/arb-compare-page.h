/* arb-compare-page.h: the annotator's workbench: one comparison, decided by keyboard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "arb-queue.h"
#include "arb-workspace.h"

G_BEGIN_DECLS

#define ARB_TYPE_COMPARE_PAGE (arb_compare_page_get_type ())
G_DECLARE_FINAL_TYPE (ArbComparePage, arb_compare_page, ARB, COMPARE_PAGE, GtkWidget)

ArbComparePage *arb_compare_page_new              (void);
void            arb_compare_page_set_workspace    (ArbComparePage *self,
                                                   ArbWorkspace   *workspace,
                                                   const char     *annotator);
const char     *arb_compare_page_get_annotator    (ArbComparePage *self);
gint64          arb_compare_page_get_comparison   (ArbComparePage *self);
const char     *arb_compare_page_get_presented    (ArbComparePage *self);
ArbQueue       *arb_compare_page_get_queue        (ArbComparePage *self);
const char     *arb_compare_page_get_state        (ArbComparePage *self);
void            arb_compare_page_focus            (ArbComparePage *self);
GtkToggleButton *arb_compare_page_get_names_toggle (ArbComparePage *self);

G_END_DECLS
