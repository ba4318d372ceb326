/* arb-dashboard-page.h: who wins, how sure we are, and whether the raters can be trusted
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "arb-stats.h"
#include "arb-workspace.h"

G_BEGIN_DECLS

#define ARB_TYPE_DASHBOARD_PAGE (arb_dashboard_page_get_type ())
G_DECLARE_FINAL_TYPE (ArbDashboardPage, arb_dashboard_page, ARB, DASHBOARD_PAGE, GtkWidget)

ArbDashboardPage   *arb_dashboard_page_new            (void);
void                arb_dashboard_page_set_workspace  (ArbDashboardPage *self,
                                                       ArbWorkspace     *workspace);
void                arb_dashboard_page_refresh        (ArbDashboardPage *self);
/* For tests: the last results shown (NULL while computing or without a workspace). */
const ArbStats     *arb_dashboard_page_get_stats      (ArbDashboardPage *self);
const ArbAgreement *arb_dashboard_page_get_agreement  (ArbDashboardPage *self);
gboolean            arb_dashboard_page_is_busy        (ArbDashboardPage *self);
GStrv               arb_dashboard_page_get_board_order (ArbDashboardPage *self);
void                arb_dashboard_page_set_baseline   (ArbDashboardPage *self,
                                                       const char       *system);
/* Opens the comparison inspector on the comparisons of system with other (NULL: any other). */
GtkWindow          *arb_dashboard_page_inspect        (ArbDashboardPage *self,
                                                       const char       *system,
                                                       const char       *other);

GtkWindow          *arb_dashboard_page_click_chart    (ArbDashboardPage *self,
                                                       const char       *name,
                                                       double            x,
                                                       double            y);
gboolean            arb_dashboard_page_save_chart     (ArbDashboardPage *self,
                                                       const char       *name,
                                                       const char       *path,
                                                       GError          **error);

G_END_DECLS
