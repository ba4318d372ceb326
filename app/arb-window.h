/* arb-window.h: the main window: a workspace, its pages, imports
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "arb-application.h"
#include "arb-workspace.h"

G_BEGIN_DECLS

#define ARB_TYPE_WINDOW (arb_window_get_type ())
G_DECLARE_FINAL_TYPE (ArbWindow, arb_window, ARB, WINDOW, AdwApplicationWindow)

ArbWindow    *arb_window_new               (ArbApplication  *app);

gboolean      arb_window_open_workspace    (ArbWindow       *self,
                                            GFile           *file);
gboolean      arb_window_create_workspace  (ArbWindow       *self,
                                            GFile           *file);
void          arb_window_close_workspace   (ArbWindow       *self);
ArbWorkspace *arb_window_get_workspace     (ArbWindow       *self);

void          arb_window_import_files      (ArbWindow       *self,
                                            GFile          **files,
                                            guint            n_files);
gboolean      arb_window_get_importing     (ArbWindow       *self);
double        arb_window_get_import_fraction (ArbWindow     *self);

void          arb_window_add_page          (ArbWindow       *self,
                                            GtkWidget       *page,
                                            const char      *name,
                                            const char      *title,
                                            const char      *icon_name);
GtkWidget    *arb_window_get_page          (ArbWindow       *self,
                                            const char      *name);
void          arb_window_set_task_progress (ArbWindow       *self,
                                            const char      *text,
                                            double           fraction);
double        arb_window_get_task_progress (ArbWindow       *self);
void          arb_window_mark_spans        (ArbWindow       *self,
                                            gint64           generation_id);
void          arb_window_show_page         (ArbWindow       *self,
                                            const char      *name);
void          arb_window_workspace_settings_changed (ArbWindow *self);

void          arb_window_toast             (ArbWindow       *self,
                                            const char      *text);
const char   *arb_window_get_last_toast    (ArbWindow       *self);
void          arb_window_dismiss_toast     (ArbWindow       *self);
const char   *arb_window_get_last_report   (ArbWindow       *self);

G_END_DECLS
