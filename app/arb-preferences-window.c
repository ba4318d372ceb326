/* arb-preferences-window.c: the preferences
 *
 * Every row is bound to a key of the application's settings; nothing is kept here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "arb-preferences-window.h"

struct _ArbPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  AdwComboRow          *style_row;
  AdwEntryRow          *annotator_row;
  GtkSwitch            *names_switch;

  GSettings            *settings;
};

G_DEFINE_FINAL_TYPE (ArbPreferencesWindow, arb_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The combo row's positions are the values of the color-scheme enum (default, light, dark). */
static gboolean
scheme_get_mapping (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  const char *nick = g_variant_get_string (variant, NULL);

  g_value_set_uint (value, g_str_equal (nick, "light") ? 1 : g_str_equal (nick, "dark") ? 2 : 0);
  return TRUE;
}

static GVariant *
scheme_set_mapping (const GValue       *value,
                    const GVariantType *type,
                    gpointer            user_data)
{
  static const char *nicks[] = { "default", "light", "dark" };
  guint i = g_value_get_uint (value);

  return g_variant_new_string (nicks[MIN (i, 2)]);
}

static void
annotator_apply_cb (ArbPreferencesWindow *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->annotator_row))));

  g_settings_set_string (self->settings, "annotator", name);
  gtk_editable_set_text (GTK_EDITABLE (self->annotator_row), name);
}

ArbPreferencesWindow *
arb_preferences_window_new (GSettings *settings)
{
  ArbPreferencesWindow *self;
  g_autofree char *annotator = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (ARB_TYPE_PREFERENCES_WINDOW, NULL);
  self->settings = g_object_ref (settings);
  g_settings_bind_with_mapping (settings, "color-scheme", self->style_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, scheme_get_mapping, scheme_set_mapping,
                                NULL, NULL);
  g_settings_bind (settings, "show-system-names", self->names_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  annotator = g_settings_get_string (settings, "annotator");
  gtk_editable_set_text (GTK_EDITABLE (self->annotator_row), annotator);
  return self;
}

static void
arb_preferences_window_dispose (GObject *object)
{
  ArbPreferencesWindow *self = ARB_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), ARB_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (arb_preferences_window_parent_class)->dispose (object);
}

static void
arb_preferences_window_class_init (ArbPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = arb_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/arbiter/Arbiter/arb-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ArbPreferencesWindow, style_row);
  gtk_widget_class_bind_template_child (widget_class, ArbPreferencesWindow, annotator_row);
  gtk_widget_class_bind_template_child (widget_class, ArbPreferencesWindow, names_switch);
  gtk_widget_class_bind_template_callback (widget_class, annotator_apply_cb);
}

static void
arb_preferences_window_init (ArbPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
