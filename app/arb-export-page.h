/* arb-export-page.h: training data from the workspace, with a live preview
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "arb-workspace.h"

G_BEGIN_DECLS

#define ARB_TYPE_EXPORT_PAGE (arb_export_page_get_type ())
G_DECLARE_FINAL_TYPE (ArbExportPage, arb_export_page, ARB, EXPORT_PAGE, GtkWidget)

ArbExportPage *arb_export_page_new           (void);
void           arb_export_page_set_workspace (ArbExportPage *self,
                                              ArbWorkspace  *workspace);
void           arb_export_page_refresh       (ArbExportPage *self);
void           arb_export_page_export_to     (ArbExportPage *self,
                                              const char    *path);
/* For tests: a preview or an export is being made; what the last one said and showed. */
gboolean       arb_export_page_is_busy       (ArbExportPage *self);
const char    *arb_export_page_get_summary   (ArbExportPage *self);
const char    *arb_export_page_get_preview   (ArbExportPage *self);

G_END_DECLS
