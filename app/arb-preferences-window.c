/* arb-preferences-window.c: the preferences
 *
 * Every row is bound to a key of the application's settings; nothing is kept here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "arb-labels.h"
#include "arb-preferences-window.h"
#include "arb-units.h"
#include "arb-queue.h"

struct _ArbPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  AdwComboRow          *style_row;
  AdwEntryRow          *annotator_row;
  GtkSwitch            *names_switch;

  GSettings            *settings;
  ArbWorkspace         *workspace;
  AdwPreferencesPage   *workspace_page;
  AdwComboRow          *scale_row;
  GtkSpinButton        *overlap_spin;
  GtkSpinButton        *gold_spin;
  GtkSpinButton        *lease_spin;
  AdwEntryRow          *dimensions_row;
  AdwEntryRow          *tags_row;
  AdwEntryRow          *units_row;
  AdwEntryRow          *step_rule_row;
  GtkTextBuffer        *guidelines;
};

enum {
  WORKSPACE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

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

/* ---- the workspace's own settings (kept in the workspace file, shared by all who label it) */

static void
save_setting (ArbPreferencesWindow *self,
              const char           *key,
              const char           *value)
{
  g_autoptr(GError) error = NULL;

  if (self->workspace == NULL)
    return;
  if (!arb_workspace_set_setting (self->workspace, key, value, &error))
    {
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                        adw_toast_new (error->message));
      return;
    }
  g_signal_emit (self, signals[WORKSPACE_CHANGED], 0, key);
}

static void
scale_changed_cb (ArbPreferencesWindow *self)
{
  static const char *scales[] = { "2", "3", "5" };
  guint i = adw_combo_row_get_selected (self->scale_row);

  save_setting (self, ARB_SETTING_SCALE, scales[MIN (i, 2)]);
}

static void
spin_changed_cb (GtkSpinButton        *spin,
                 ArbPreferencesWindow *self)
{
  g_autofree char *value = NULL;

  if (spin == self->gold_spin)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_dtostr (buf, sizeof buf, gtk_spin_button_get_value (spin) / 100.0);
      save_setting (self, ARB_SETTING_GOLD_RATE, buf);
      return;
    }
  value = g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (spin));
  save_setting (self, spin == self->overlap_spin ? ARB_SETTING_OVERLAP : ARB_SETTING_LEASE_MINUTES,
                value);
}

static void
dimensions_apply_cb (ArbPreferencesWindow *self)
{
  save_setting (self, ARB_SETTING_DIMENSIONS,
                gtk_editable_get_text (GTK_EDITABLE (self->dimensions_row)));
}

/* Span tags, span units and the step rule: checked before they are stored, so a typo says what
 * is wrong here instead of on the labelling pages. */
static void
labels_apply_cb (AdwEntryRow          *row,
                 ArbPreferencesWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
  g_autofree char *problem = NULL;
  ArbUnitKind kind;

  if (row == self->tags_row)
    {
      g_auto(GStrv) parts = g_strsplit (text, ",", -1);
      guint n = 0;

      for (guint i = 0; parts[i] != NULL; i++)
        n += *g_strstrip (parts[i]) != '\0';
      if (n > 9)
        problem = g_strdup_printf (_("%u tags: the keys 1–9 give at most nine"), n);
      else
        save_setting (self, ARB_SETTING_SPAN_TAGS, text);
    }
  else if (row == self->units_row)
    {
      if (*text != '\0' && !g_str_has_prefix (text, "tokens:") &&
          !arb_unit_kind_from_string (text, &kind))
        problem = g_strdup_printf (_("“%s” is none of words, sentences, lines, paragraphs, "
                                     "characters or tokens:TOKENIZER"), text);
      else
        save_setting (self, ARB_SETTING_SPAN_UNITS, text);
    }
  else
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GRegex) regex = NULL;

      if (g_str_has_prefix (text, "pattern:"))
        regex = g_regex_new (text + strlen ("pattern:"), 0, 0, &error);
      if (error != NULL)
        problem = g_strdup_printf (_("The pattern is not a regular expression: %s"),
                                   error->message);
      else if (*text != '\0' && !g_str_has_prefix (text, "pattern:") &&
               g_strcmp0 (text, "lines") != 0 && g_strcmp0 (text, "paragraphs") != 0 &&
               g_strcmp0 (text, "sentences") != 0)
        problem = g_strdup_printf (_("“%s” is none of lines, paragraphs, sentences or "
                                     "pattern:REGEX"), text);
      else
        save_setting (self, ARB_SETTING_STEP_RULE, text);
    }
  if (problem != NULL)
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (problem));
}

static AdwEntryRow *
labels_row (AdwPreferencesGroup  *group,
            ArbWorkspace         *workspace,
            const char           *title,
            const char           *key,
            ArbPreferencesWindow *self)
{
  AdwEntryRow *row = ADW_ENTRY_ROW (adw_entry_row_new ());
  g_autofree char *value = arb_workspace_get_setting (workspace, key);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_entry_row_set_show_apply_button (row, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (row), value ? value : "");
  g_signal_connect (row, "apply", G_CALLBACK (labels_apply_cb), self);
  adw_preferences_group_add (group, GTK_WIDGET (row));
  return row;
}

static void
guidelines_save_cb (ArbPreferencesWindow *self)
{
  GtkTextIter s, e;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (self->guidelines, &s, &e);
  text = gtk_text_buffer_get_text (self->guidelines, &s, &e, FALSE);
  save_setting (self, ARB_SETTING_GUIDELINES, text);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                    adw_toast_new (_("Guidelines saved")));
}

static GtkSpinButton *
spin_row (AdwPreferencesGroup  *group,
          const char           *title,
          const char           *subtitle,
          double                min,
          double                max,
          double                value,
          ArbPreferencesWindow *self)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (min, max, 1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_preferences_group_add (group, row);
  g_signal_connect (spin, "value-changed", G_CALLBACK (spin_changed_cb), self);
  return GTK_SPIN_BUTTON (spin);
}

static gint64
get_int (ArbWorkspace *ws,
         const char   *key,
         gint64        fallback)
{
  g_autofree char *v = arb_workspace_get_setting (ws, key);

  return v ? g_ascii_strtoll (v, NULL, 10) : fallback;
}

/**
 * arb_preferences_window_set_workspace:
 *
 * Adds a Workspace page for the open workspace's own settings: the rating scale, dimensions,
 * overlap, gold rate, lease time and guidelines. They are stored in the workspace, not in the
 * person's settings.
 */
void
arb_preferences_window_set_workspace (ArbPreferencesWindow *self,
                                      ArbWorkspace         *workspace)
{
  AdwPreferencesGroup *group;
  GtkWidget *row, *view, *frame, *button;
  GtkStringList *scales;
  g_autofree char *dims = NULL;
  g_autofree char *guidelines = NULL;
  g_autofree char *rate = NULL;
  g_autofree char *base = NULL;
  int scale;

  g_return_if_fail (ARB_IS_PREFERENCES_WINDOW (self));
  if (workspace == NULL || self->workspace != NULL)
    return;
  self->workspace = g_object_ref (workspace);
  base = g_path_get_basename (arb_workspace_get_path (workspace));

  self->workspace_page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  adw_preferences_page_set_title (self->workspace_page, _("Workspace"));
  adw_preferences_page_set_icon_name (self->workspace_page, "folder-documents-symbolic");

  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Labelling"));
  {
    g_autofree char *desc = g_strdup_printf (_("Stored in %s, for everyone who labels it"), base);
    g_autofree char *escaped = g_markup_escape_text (desc, -1);

    adw_preferences_group_set_description (group, escaped);
  }
  scales = gtk_string_list_new ((const char *[]) { _("2 points: left or right"),
                                                   _("3 points: left, tie, right"),
                                                   _("5 points: with much better"), NULL });
  self->scale_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->scale_row), _("Scale"));
  adw_combo_row_set_model (self->scale_row, G_LIST_MODEL (scales));
  g_object_unref (scales);
  scale = (int) get_int (workspace, ARB_SETTING_SCALE, 5);
  adw_combo_row_set_selected (self->scale_row, scale == 2 ? 0 : scale == 3 ? 1 : 2);
  g_signal_connect_swapped (self->scale_row, "notify::selected", G_CALLBACK (scale_changed_cb),
                            self);
  adw_preferences_group_add (group, GTK_WIDGET (self->scale_row));

  self->dimensions_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->dimensions_row),
                                 _("Dimensions (comma-separated, e.g. correctness, clarity)"));
  adw_entry_row_set_show_apply_button (self->dimensions_row, TRUE);
  dims = arb_workspace_get_setting (workspace, ARB_SETTING_DIMENSIONS);
  gtk_editable_set_text (GTK_EDITABLE (self->dimensions_row), dims ? dims : "");
  g_signal_connect_swapped (self->dimensions_row, "apply", G_CALLBACK (dimensions_apply_cb), self);
  adw_preferences_group_add (group, GTK_WIDGET (self->dimensions_row));

  self->overlap_spin = spin_row (group, _("Overlap"),
                                 _("How many annotators label each comparison"), 1, 20,
                                 get_int (workspace, ARB_SETTING_OVERLAP, 1), self);
  rate = arb_workspace_get_setting (workspace, ARB_SETTING_GOLD_RATE);
  self->gold_spin = spin_row (group, _("Gold items (%)"),
                              _("Share of items with a known answer, mixed in unseen"), 0, 50,
                              rate ? 100.0 * g_ascii_strtod (rate, NULL) : 0, self);
  self->lease_spin = spin_row (group, _("Lease (minutes)"),
                               _("An item not decided in this time goes back to the pool"), 1,
                               24 * 60, get_int (workspace, ARB_SETTING_LEASE_MINUTES, 30), self);
  adw_preferences_page_add (self->workspace_page, group);

  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Spans and Steps"));
  adw_preferences_group_set_description (group, _("What the Spans and Steps pages offer"));
  self->tags_row = labels_row (group, workspace,
                               _("Span tags for the keys 1–9 (comma-separated)"),
                               ARB_SETTING_SPAN_TAGS, self);
  self->units_row = labels_row (group, workspace,
                                _("Span units: words, sentences, lines, paragraphs, characters "
                                  "or tokens:TOKENIZER"), ARB_SETTING_SPAN_UNITS, self);
  self->step_rule_row = labels_row (group, workspace,
                                    _("Step rule for responses without steps: lines, "
                                      "paragraphs, sentences or pattern:REGEX"),
                                    ARB_SETTING_STEP_RULE, self);
  adw_preferences_page_add (self->workspace_page, group);

  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Guidelines"));
  adw_preferences_group_set_description (group, _("Markdown, shown beside every comparison"));
  guidelines = arb_workspace_get_setting (workspace, ARB_SETTING_GUIDELINES);
  view = gtk_text_view_new ();
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), TRUE);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 8);
  self->guidelines = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  gtk_text_buffer_set_text (self->guidelines, guidelines ? guidelines : "", -1);
  frame = gtk_scrolled_window_new ();
  gtk_widget_set_size_request (frame, -1, 160);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (frame), view);
  gtk_widget_add_css_class (frame, "card");
  adw_preferences_group_add (group, frame);
  button = gtk_button_new_with_mnemonic (_("_Save Guidelines"));
  gtk_widget_set_halign (button, GTK_ALIGN_END);
  gtk_widget_set_margin_top (button, 6);
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (guidelines_save_cb), self);
  adw_preferences_group_add (group, button);
  adw_preferences_page_add (self->workspace_page, group);

  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), self->workspace_page);
  (void) row;
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
  g_clear_object (&self->workspace);
  G_OBJECT_CLASS (arb_preferences_window_parent_class)->dispose (object);
}

static void
arb_preferences_window_class_init (ArbPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = arb_preferences_window_dispose;

  /**
   * ArbPreferencesWindow::workspace-changed:
   * @key: the workspace setting that changed
   */
  signals[WORKSPACE_CHANGED] =
    g_signal_new ("workspace-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

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
