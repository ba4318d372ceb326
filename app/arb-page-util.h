/* arb-page-util.h: what the labelling pages share: toasts, page keys, action buttons
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A toast in the page's window ("what: why" with @error), or a message without a window. */
void       arb_page_toast          (GtkWidget             *page,
                                    const char            *what,
                                    const GError          *error);
/* One shortcut of a page's key controller. */
void       arb_page_add_key        (GtkShortcutController *controller,
                                    const char            *trigger,
                                    GtkShortcutFunc        func,
                                    gpointer               data);
/* A button for a page action, with a mnemonic and a tooltip; it never takes the keyboard from
 * the page. */
GtkWidget *arb_page_action_button  (const char            *label,
                                    const char            *action,
                                    const char            *tooltip);

G_END_DECLS
