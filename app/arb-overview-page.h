/* arb-overview-page.h: what a workspace holds, at a glance
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "arb-workspace.h"

G_BEGIN_DECLS

#define ARB_TYPE_OVERVIEW_PAGE (arb_overview_page_get_type ())
G_DECLARE_FINAL_TYPE (ArbOverviewPage, arb_overview_page, ARB, OVERVIEW_PAGE, GtkWidget)

ArbOverviewPage *arb_overview_page_new           (void);
void             arb_overview_page_set_workspace (ArbOverviewPage *self,
                                                  ArbWorkspace    *workspace);
ArbWorkspace    *arb_overview_page_get_workspace (ArbOverviewPage *self);
void             arb_overview_page_refresh       (ArbOverviewPage *self);
gboolean         arb_overview_page_get_empty     (ArbOverviewPage *self);
gboolean         arb_overview_page_get_loading   (ArbOverviewPage *self);
const char      *arb_overview_page_get_count_text (ArbOverviewPage *self,
                                                   const char      *what);

G_END_DECLS
