/* arb-page-util.c: what the labelling pages share: toasts, page keys, action buttons
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "arb-page-util.h"
#include "arb-window.h"

void
arb_page_toast (GtkWidget    *page,
                const char   *what,
                const GError *error)
{
  GtkWidget *window = gtk_widget_get_ancestor (page, ARB_TYPE_WINDOW);
  g_autofree char *msg = error ? g_strdup_printf ("%s: %s", what, error->message)
                               : g_strdup (what);

  if (window != NULL)
    arb_window_toast (ARB_WINDOW (window), msg);
  else
    g_message ("%s", msg);
}

void
arb_page_add_key (GtkShortcutController *controller,
                  const char            *trigger,
                  GtkShortcutFunc        func,
                  gpointer               data)
{
  gtk_shortcut_controller_add_shortcut (controller,
                                        gtk_shortcut_new (gtk_shortcut_trigger_parse_string (trigger),
                                                          gtk_callback_action_new (func, data, NULL)));
}

GtkWidget *
arb_page_action_button (const char *label,
                        const char *action,
                        const char *tooltip)
{
  GtkWidget *b = gtk_button_new_with_mnemonic (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (b), action);
  gtk_widget_set_tooltip_text (b, tooltip);
  gtk_widget_set_focusable (b, FALSE);
  return b;
}
