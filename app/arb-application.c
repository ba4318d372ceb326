/* arb-application.c: the Arbiter application (GUI)
 *
 * Owns the settings, the app-wide actions (preferences, about, quit) and the command line:
 * `arbiter [--annotator NAME] [WORKSPACE]`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "arb-application.h"
#include "arb-preferences-window.h"
#include "arb-window.h"

struct _ArbApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  char           *annotator;   /* from --annotator; NULL: the one in the settings */
  char           *remembered;  /* the settings' annotator, as last read */
};

G_DEFINE_FINAL_TYPE (ArbApplication, arb_application, ADW_TYPE_APPLICATION)

ArbApplication *
arb_application_new (GApplicationFlags flags)
{
  return g_object_new (ARB_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", flags | G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/arbiter/Arbiter",
                       NULL);
}

/* The schema is found where GSettings looks (an installed Arbiter, or GSETTINGS_SCHEMA_DIR), and
 * otherwise in the build tree, so that build/app/arbiter runs without being installed. */
static GSettings *
load_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
#ifdef ARB_BUILD_SCHEMAS_DIR
  if (schema == NULL)
    {
      g_autoptr(GSettingsSchemaSource) build = NULL;

      build = g_settings_schema_source_new_from_directory (ARB_BUILD_SCHEMAS_DIR, source, FALSE,
                                                          NULL);
      if (build != NULL)
        schema = g_settings_schema_source_lookup (build, APPLICATION_ID, FALSE);
    }
#endif
  if (schema == NULL)
    g_error ("The settings schema %s is not installed: install Arbiter, or run it from its "
             "build directory", APPLICATION_ID);
  return g_settings_new_full (schema, NULL, NULL);
}

GSettings *
arb_application_get_settings (ArbApplication *self)
{
  g_return_val_if_fail (ARB_IS_APPLICATION (self), NULL);
  return self->settings;
}

/**
 * arb_application_get_annotator:
 *
 * Returns: (nullable): the live human rater to label as: the one given with --annotator, else
 *   the one remembered in the settings, else %NULL
 */
const char *
arb_application_get_annotator (ArbApplication *self)
{
  g_return_val_if_fail (ARB_IS_APPLICATION (self), NULL);
  if (self->annotator != NULL)
    return self->annotator;
  g_free (self->remembered);
  self->remembered = g_settings_get_string (self->settings, "annotator");
  return self->remembered[0] != '\0' ? self->remembered : NULL;
}

/**
 * arb_application_get_annotator_forced:
 *
 * Returns: whether the annotator was given with --annotator (then the window opens on the
 *   compare page and the name in the preferences does not change)
 */
gboolean
arb_application_get_annotator_forced (ArbApplication *self)
{
  g_return_val_if_fail (ARB_IS_APPLICATION (self), FALSE);
  return self->annotator != NULL;
}

GStrv
arb_application_list_recent (ArbApplication *self)
{
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-workspaces");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; recent[i] != NULL; i++)
    if (g_file_test (recent[i], G_FILE_TEST_IS_REGULAR))
      g_strv_builder_add (builder, recent[i]);
  return g_strv_builder_end (builder);
}

void
arb_application_add_recent (ArbApplication *self,
                            const char     *path)
{
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-workspaces");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) updated = NULL;
  guint n = 1;

  g_return_if_fail (ARB_IS_APPLICATION (self));
  g_return_if_fail (path != NULL);

  g_strv_builder_add (builder, path);
  for (guint i = 0; recent[i] != NULL && n < ARB_RECENT_MAX; i++)
    if (g_strcmp0 (recent[i], path) != 0)
      {
        g_strv_builder_add (builder, recent[i]);
        n++;
      }
  updated = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-workspaces", (const char * const *) updated);
  g_settings_set_string (self->settings, "last-workspace", path);
}

void
arb_application_forget_recent (ArbApplication *self,
                               const char     *path)
{
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-workspaces");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) updated = NULL;
  g_autofree char *last = g_settings_get_string (self->settings, "last-workspace");

  for (guint i = 0; recent[i] != NULL; i++)
    if (g_strcmp0 (recent[i], path) != 0)
      g_strv_builder_add (builder, recent[i]);
  updated = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-workspaces", (const char * const *) updated);
  if (g_strcmp0 (last, path) == 0)
    g_settings_set_string (self->settings, "last-workspace", "");
}

static void
apply_color_scheme (ArbApplication *self)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  int scheme = g_settings_get_enum (self->settings, "color-scheme");

  /* The enum's values: 0 follow the system, 1 light, 2 dark. */
  adw_style_manager_set_color_scheme (style,
                                      scheme == 1 ? ADW_COLOR_SCHEME_FORCE_LIGHT :
                                      scheme == 2 ? ADW_COLOR_SCHEME_FORCE_DARK :
                                      ADW_COLOR_SCHEME_DEFAULT);
}

static ArbWindow *
get_window (ArbApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (ARB_IS_WINDOW (window))
    return ARB_WINDOW (window);
  return arb_window_new (self);
}

static void
arb_application_activate (GApplication *app)
{
  ArbApplication *self = ARB_APPLICATION (app);
  gboolean fresh = gtk_application_get_active_window (GTK_APPLICATION (app)) == NULL;
  ArbWindow *window = get_window (self);

  if (fresh)
    {
      g_autofree char *last = g_settings_get_string (self->settings, "last-workspace");

      if (last[0] != '\0' && g_file_test (last, G_FILE_TEST_IS_REGULAR))
        {
          g_autoptr(GFile) file = g_file_new_for_path (last);

          arb_window_open_workspace (window, file);
        }
    }
  gtk_window_present (GTK_WINDOW (window));
}

static void
arb_application_open (GApplication  *app,
                      GFile        **files,
                      int            n_files,
                      const char    *hint)
{
  ArbApplication *self = ARB_APPLICATION (app);
  ArbWindow *window = get_window (self);

  /* One window shows one workspace: the first file is the workspace; any further files are
   * imported into it. */
  if (n_files > 0)
    arb_window_open_workspace (window, files[0]);
  if (n_files > 1)
    arb_window_import_files (window, files + 1, n_files - 1);
  gtk_window_present (GTK_WINDOW (window));
}

static int
arb_application_command_line (GApplication            *app,
                              GApplicationCommandLine *cmdline)
{
  ArbApplication *self = ARB_APPLICATION (app);
  GVariantDict *options = g_application_command_line_get_options_dict (cmdline);
  g_auto(GStrv) args = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  const char *annotator = NULL;
  int argc = 0;

  if (g_variant_dict_lookup (options, "annotator", "&s", &annotator))
    {
      if (g_utf8_strlen (annotator, -1) == 0 || !g_utf8_validate (annotator, -1, NULL))
        {
          g_application_command_line_printerr (cmdline, _("arbiter: --annotator needs a name\n"));
          return 2;
        }
      g_free (self->annotator);
      self->annotator = g_strdup (annotator);
    }

  args = g_application_command_line_get_arguments (cmdline, &argc);
  for (int i = 1; i < argc; i++)
    g_ptr_array_add (files, g_application_command_line_create_file_for_arg (cmdline, args[i]));

  if (files->len > 0)
    g_application_open (app, (GFile **) files->pdata, files->len, "");
  else
    g_application_activate (app);
  return 0;
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  const char *developers[] = { _("The Arbiter developers"), NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-name", _("Arbiter"),
                        "application-icon", APPLICATION_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Arbiter developers"),
                        "developers", developers,
                        "copyright", _("© 2026 The Arbiter developers"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "comments", _("Label which of two model responses is better, run LLM "
                                      "judges and reward models over the same comparisons, read "
                                      "win rates with confidence intervals, and export training "
                                      "data for preference optimisation. Offline, in one file."),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *param,
                       gpointer       user_data)
{
  ArbApplication *self = ARB_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  ArbPreferencesWindow *prefs = arb_preferences_window_new (self->settings);

  gtk_window_set_transient_for (GTK_WINDOW (prefs), parent);
  if (ARB_IS_WINDOW (parent) && arb_window_get_workspace (ARB_WINDOW (parent)) != NULL)
    {
      arb_preferences_window_set_workspace (prefs, arb_window_get_workspace (ARB_WINDOW (parent)));
      g_signal_connect_object (prefs, "workspace-changed",
                               G_CALLBACK (arb_window_workspace_settings_changed), parent,
                               G_CONNECT_SWAPPED);
    }
  gtk_window_present (GTK_WINDOW (prefs));
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (app));

  /* Closing each window lets it cancel its import and save its size. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
}

static const GActionEntry app_actions[] = {
  { "about", about_activated, NULL, NULL, NULL },
  { "preferences", preferences_activated, NULL, NULL, NULL },
  { "quit", quit_activated, NULL, NULL, NULL },
};

static void
arb_application_startup (GApplication *app)
{
  ArbApplication *self = ARB_APPLICATION (app);
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "win.new-workspace", { "<Control>n", NULL } },
    { "win.open-workspace", { "<Control>o", NULL } },
    { "win.close-workspace", { "<Control>w", NULL } },
    { "win.import", { "<Control>i", NULL } },
    { "win.cancel-import", { "<Control>period", NULL } },
    { "win.show-page('overview')", { "<Alt>1", NULL } },
    { "win.show-page('compare')", { "<Alt>2", NULL } },
    { "win.show-page('spans')", { "<Alt>3", NULL } },
    { "win.show-page('steps')", { "<Alt>4", NULL } },
    { "win.show-page('review')", { "<Alt>5", NULL } },
    { "win.show-page('dashboard')", { "<Alt>6", NULL } },
    { "win.show-page('export')", { "<Alt>7", NULL } },
    { "win.show-page('judges')", { "<Alt>8", NULL } },
  };

  G_APPLICATION_CLASS (arb_application_parent_class)->startup (app);

  self->settings = load_settings ();
  g_signal_connect_object (self->settings, "changed::color-scheme",
                           G_CALLBACK (apply_color_scheme), self, G_CONNECT_SWAPPED);
  apply_color_scheme (self);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action,
                                           accels[i].accels);
}

static void
arb_application_finalize (GObject *object)
{
  ArbApplication *self = ARB_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->annotator, g_free);
  g_clear_pointer (&self->remembered, g_free);
  G_OBJECT_CLASS (arb_application_parent_class)->finalize (object);
}

static void
arb_application_class_init (ArbApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = arb_application_finalize;
  app_class->startup = arb_application_startup;
  app_class->activate = arb_application_activate;
  app_class->open = arb_application_open;
  app_class->command_line = arb_application_command_line;
}

static void
arb_application_init (ArbApplication *self)
{
  static const GOptionEntry entries[] = {
    { "annotator", 'a', 0, G_OPTION_ARG_STRING, NULL,
      N_("Label as this annotator (a live human rater)"), N_("NAME") },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[WORKSPACE]"));
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Open an Arbiter workspace (a .arbiter file), or "
                                              "the last one when none is given."));
}
