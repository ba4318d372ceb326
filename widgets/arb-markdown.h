/* arb-markdown.h: Markdown (untrusted model text) into a GtkTextBuffer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void  arb_markdown_render               (GtkTextBuffer *buffer,
                                         const char    *text,
                                         gssize         length);
void  arb_markdown_render_conversation  (GtkTextBuffer *buffer,
                                         const char    *messages_json);
char *arb_markdown_make_visible         (const char    *text,
                                         gssize         length);

G_END_DECLS
