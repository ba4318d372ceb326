/* arb-gui-test-util.h: helpers for the GUI tests (suite gui, under Xvfb)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

/* Runs the main loop until cond (polled between iterations) holds or timeout_s passes. */
#define ARB_WAIT_UNTIL(cond, timeout_s)                                              \
  G_STMT_START {                                                                     \
    gint64 _deadline = g_get_monotonic_time () + (gint64) ((timeout_s) * G_USEC_PER_SEC); \
    while (!(cond) && g_get_monotonic_time () < _deadline)                           \
      g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), 0);               \
    g_assert_true (cond);                                                            \
  } G_STMT_END

/* Lets pending layout, drawing and idle work happen. */
static inline void
arb_gui_test_flush (void)
{
  gint64 end = g_get_monotonic_time () + 150 * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

/* The window, as drawn, saved as PNG (STYLE.md: a window can photograph itself). */
static inline void
arb_gui_test_screenshot (GtkWidget  *widget,
                         const char *path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int w = gtk_widget_get_width (widget);
  int h = gtk_widget_get_height (widget);

  g_assert_nonnull (renderer);
  g_assert_cmpint (w, >, 0);
  g_assert_cmpint (h, >, 0);
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

/* Finds a descendant widget by its widget name (gtk_widget_set_name). */
static inline GtkWidget *
arb_gui_test_find (GtkWidget  *root,
                   const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = arb_gui_test_find (c, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Finds the first descendant of a type whose text (label, title) contains needle. */
static inline GtkWidget *
arb_gui_test_find_label (GtkWidget  *root,
                         const char *needle)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root) &&
      strstr (gtk_label_get_text (GTK_LABEL (root)), needle) != NULL)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = arb_gui_test_find_label (c, needle);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* No statement of the window's connection is left stepping: one that is would hold a read
 * snapshot, and the window would stop seeing what other processes commit. */
#define ARB_ASSERT_NO_BUSY_STATEMENTS(ws)                                        \
  G_STMT_START {                                                               \
    g_auto(GStrv) _busy = arb_workspace_list_busy_statements (ws);             \
    for (guint _i = 0; _busy[_i] != NULL; _i++)                                \
      g_test_message ("statement left stepping: %s", _busy[_i]);               \
    g_assert_cmpuint (g_strv_length (_busy), ==, 0);                           \
  } G_STMT_END
