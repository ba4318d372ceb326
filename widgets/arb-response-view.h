/* arb-response-view.h: one response (or a prompt) as rendered Markdown, scrolling on its own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define ARB_TYPE_RESPONSE_VIEW (arb_response_view_get_type ())
G_DECLARE_FINAL_TYPE (ArbResponseView, arb_response_view, ARB, RESPONSE_VIEW, GtkWidget)

GtkWidget     *arb_response_view_new              (void);
void           arb_response_view_set_title        (ArbResponseView *self,
                                                   const char      *title);
void           arb_response_view_set_subtitle     (ArbResponseView *self,
                                                   const char      *subtitle);
void           arb_response_view_set_markdown     (ArbResponseView *self,
                                                   const char      *text,
                                                   const char      *kind);
void           arb_response_view_set_conversation (ArbResponseView *self,
                                                   const char      *messages_json);
GtkTextBuffer *arb_response_view_get_buffer       (ArbResponseView *self);
GtkAdjustment *arb_response_view_get_vadjustment  (ArbResponseView *self);
void           arb_response_view_set_highlighted  (ArbResponseView *self,
                                                   gboolean         highlighted);

G_END_DECLS
