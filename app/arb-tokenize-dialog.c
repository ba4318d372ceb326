/* arb-tokenize-dialog.c: Tokenize Responses…, what `arbiter-cli tokenize` does, from the window
 *
 * The form asks what the command line takes: the server, its API, the tokenizer's name (what
 * the tokens are stored under, and what the Spans page offers as "Tokens of NAME"), vLLM's model
 * name, the context and where the API key comes from. Tokenize runs arb_tokenize_run on a worker
 * with its own connection; the window's progress bar follows it, Cancel or Escape stops it
 * (what was stored stays; a rerun sends only the rest) and a toast says what came of it. The
 * last values are remembered for the next dialog of this process.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "arb-spans-page.h"
#include "arb-tokenize-dialog.h"
#include "arb-tokenize-run.h"

#define DEFAULT_CONCURRENCY 16
#define DEFAULT_ATTEMPTS    6

/* What the last run of this process was given: the next dialog starts from it. */
static struct
{
  char  *endpoint;
  char  *tokenizer;
  char  *model;
  char  *key_env;
  guint  api;
  guint  context;
  int    concurrency;
  int    attempts;
} last = { NULL, NULL, NULL, NULL, 0, 0, DEFAULT_CONCURRENCY, DEFAULT_ATTEMPTS };

typedef struct _Job Job;

struct _ArbTokenizeDialog
{
  AdwWindow       parent_instance;

  ArbWindow      *window;   /* (owned) */
  AdwEntryRow    *endpoint_row;
  AdwComboRow    *api_row;
  AdwEntryRow    *model_row;
  AdwEntryRow    *key_env_row;
  AdwEntryRow    *tokenizer_row;
  AdwComboRow    *context_row;
  GtkSpinButton  *concurrency_spin;
  GtkSpinButton  *attempts_spin;
  GtkWidget      *form;
  GtkLabel       *message_label;
  GtkLabel       *status_label;

  Job            *job;      /* (owned) (nullable): the run going on */
  char           *message;
};

G_DEFINE_FINAL_TYPE (ArbTokenizeDialog, arb_tokenize_dialog, ADW_TYPE_WINDOW)

/* ---- the run, on a worker */

struct _Job
{
  char               *path;
  char               *endpoint;
  const char         *endpoints[1];
  char               *tokenizer;
  char               *model;
  char               *key_env;
  ArbTokenizeOptions  options;
  GCancellable       *cancellable;
  GApplication       *app;             /* held while the run goes on */
  GWeakRef            dialog;
  GWeakRef            window;

  GMutex              lock;            /* guards the three below */
  gint64              done;
  gint64              todo;
  gboolean            update_pending;

  gboolean            finished;        /* main thread only: the toast has the last word */
  ArbTokenizeResult   result;          /* the worker's, read once it finished */
};

static void
job_clear (Job *job)
{
  g_free (job->path);
  g_free (job->endpoint);
  g_free (job->tokenizer);
  g_free (job->model);
  g_free (job->key_env);
  g_clear_object (&job->cancellable);
  g_clear_object (&job->app);
  g_weak_ref_clear (&job->dialog);
  g_weak_ref_clear (&job->window);
  g_mutex_clear (&job->lock);
  arb_tokenize_result_clear (&job->result);
}

static Job *
job_ref (Job *job)
{
  return g_atomic_rc_box_acquire (job);
}

static void
job_unref (Job *job)
{
  g_atomic_rc_box_release_full (job, (GDestroyNotify) job_clear);
}

static char *
progress_text (Job    *job,
               gint64  done,
               gint64  todo)
{
  if (todo < 0)
    /* Translators: the tokenizer's name; the run is reading the workspace or asking the
     * server whether it has a chat template */
    return g_strdup_printf (_("Tokenizing with %s: preparing…"), job->tokenizer);
  /* Translators: the tokenizer's name, responses done, responses to do */
  return g_strdup_printf (_("Tokenizing with %s: %lld of %lld responses"), job->tokenizer,
                          (long long) done, (long long) todo);
}

static void
show_job_progress (Job *job)
{
  g_autoptr(ArbWindow) window = g_weak_ref_get (&job->window);
  g_autoptr(ArbTokenizeDialog) dialog = g_weak_ref_get (&job->dialog);
  g_autofree char *text = NULL;
  gint64 done, todo;

  g_mutex_lock (&job->lock);
  done = job->done;
  todo = job->todo;
  job->update_pending = FALSE;
  g_mutex_unlock (&job->lock);
  if (job->finished)
    return;
  text = progress_text (job, done, todo);
  if (window != NULL)
    arb_window_set_task_progress (window, text, todo > 0 ? (double) done / todo : 0);
  if (dialog != NULL)
    gtk_label_set_text (dialog->status_label, text);
}

static gboolean
progress_idle (gpointer data)
{
  show_job_progress (data);
  return G_SOURCE_REMOVE;
}

/* On the worker: keep the numbers and ask the main thread to show them, unless it is asked
 * already (the widgets are the main thread's alone). */
static void
job_progress (const ArbTokenizeResult *r,
              gpointer                 user_data)
{
  Job *job = user_data;
  gboolean schedule;

  g_mutex_lock (&job->lock);
  job->todo = r->generations - r->settled;
  job->done = r->tokenized + r->failed;
  schedule = !job->update_pending;
  job->update_pending = TRUE;
  g_mutex_unlock (&job->lock);
  if (schedule)
    g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, progress_idle, job_ref (job),
                                (GDestroyNotify) job_unref);
}

static void
job_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(GError) error = NULL;
  /* The worker's own connection: the window keeps reading and writing through its own. */
  g_autoptr(ArbWorkspace) ws = arb_workspace_open (job->path, &error);

  if (ws == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!arb_tokenize_run (ws, &job->options, job_progress, job, &job->result, cancellable,
                         &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* What came of a run, for the toast. */
static char *
outcome_text (Job          *job,
              const GError *error)
{
  const ArbTokenizeResult *r = &job->result;
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_strdup_printf (ngettext ("Tokenizing cancelled: %lld response tokenized is kept; "
                                      "tokenize again for the rest",
                                      "Tokenizing cancelled: %lld responses tokenized are kept; "
                                      "tokenize again for the rest", r->tokenized),
                            (long long) r->tokenized);
  if (error != NULL)
    {
      /* The run's advice names the command line's option; here it is the form's Context. */
      static const char cli_advice[] = "; give --context alone or --context chat";
      g_autofree char *why = g_strdup (error->message);

      if (g_str_has_suffix (why, cli_advice))
        {
          why[strlen (why) - strlen (cli_advice)] = '\0';
          return g_strdup_printf (_("Could not tokenize with %s: %s. Choose Alone or In chat "
                                    "context under Context."), job->tokenizer, why);
        }
      return g_strdup_printf (_("Could not tokenize with %s: %s"), job->tokenizer, why);
    }
  if (r->tokenized == 0 && r->failed == 0)
    return g_strdup_printf (ngettext ("The %lld response is tokenized with %s already",
                                      "All %lld responses are tokenized with %s already",
                                      r->generations),
                            (long long) r->generations, job->tokenizer);
  if (r->tokenized == 0 && r->failed > 0)
    return g_strdup_printf (ngettext ("Nothing tokenized with %s: the %lld response failed (%s)",
                                      "Nothing tokenized with %s: all %lld responses failed, "
                                      "the first: %s", r->failed),
                            job->tokenizer, (long long) r->failed,
                            r->failures != NULL && r->failures->len > 0
                            ? (const char *) g_ptr_array_index (r->failures, 0)
                            : _("no reason given"));
  if (r->cached > 0)
    text = g_strdup_printf (ngettext ("Tokenized %lld response with %s (%lld from the cache)",
                                      "Tokenized %lld responses with %s (%lld from the cache)",
                                      r->tokenized),
                            (long long) r->tokenized, job->tokenizer, (long long) r->cached);
  else
    text = g_strdup_printf (ngettext ("Tokenized %lld response with %s",
                                      "Tokenized %lld responses with %s", r->tokenized),
                            (long long) r->tokenized, job->tokenizer);
  if (r->fell_back)
    {
      char *more = g_strdup_printf (_("%s; the server applies no chat template, so each "
                                      "response was tokenized alone"), text);

      g_free (text);
      text = more;
    }
  if (r->failed > 0)
    {
      const char *first = r->failures != NULL && r->failures->len > 0
                          ? g_ptr_array_index (r->failures, 0) : _("no reason given");
      /* Translators: what was tokenized, the number that failed, the first failure */
      char *more = g_strdup_printf (ngettext ("%s; %lld failed (%s); tokenize again to retry it",
                                              "%s; %lld failed, the first: %s; tokenize again "
                                              "to retry them", r->failed),
                                    text, (long long) r->failed, first);

      g_free (text);
      text = more;
    }
  return g_steal_pointer (&text);
}

static void set_running (ArbTokenizeDialog *self,
                         gboolean           running);

static void
job_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(ArbWindow) window = g_weak_ref_get (&job->window);
  g_autoptr(ArbTokenizeDialog) dialog = g_weak_ref_get (&job->dialog);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gboolean cancelled;

  g_task_propagate_boolean (G_TASK (result), &error);
  if (job->app != NULL)
    g_application_release (job->app);
  cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  job->finished = TRUE;
  text = outcome_text (job, error);
  if (window != NULL)
    {
      arb_window_set_task_progress (window, NULL, -1);
      /* The Spans page lists the tokenizers of the response it shows: it reads them again.
       * (Its annotator is copied: setting the workspace frees the page's own.) */
      if (job->result.tokenized > 0 && arb_window_get_workspace (window) != NULL)
        {
          ArbSpansPage *spans = ARB_SPANS_PAGE (arb_window_get_page (window, "spans"));
          g_autofree char *who = g_strdup (arb_spans_page_get_annotator (spans));

          arb_spans_page_set_workspace (spans, arb_window_get_workspace (window), who);
        }
      arb_window_toast (window, text);
    }
  if (dialog == NULL)
    return;
  g_assert (dialog->job == job);
  g_clear_pointer (&dialog->job, job_unref);
  set_running (dialog, FALSE);
  /* A run that could not start or complete, or where every response failed, leaves the form
   * open to be corrected, with the whole message (a toast may cut it short). */
  if ((error != NULL && !cancelled) || (error == NULL && job->result.tokenized == 0 &&
                                        job->result.failed > 0))
    {
      g_free (dialog->message);
      dialog->message = g_strdup (text);
      gtk_label_set_text (dialog->message_label, text);
      gtk_widget_set_visible (GTK_WIDGET (dialog->message_label), TRUE);
      return;
    }
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* ---- the form */

static char *
row_text (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static gboolean
is_variable_name (const char *name)
{
  if (!g_ascii_isalpha (*name) && *name != '_')
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

static void
show_message (ArbTokenizeDialog *self,
              GtkWidget         *row,
              const char        *message)
{
  g_free (self->message);
  self->message = g_strdup (message);
  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
  if (row != NULL)
    {
      gtk_widget_add_css_class (row, "error");
      gtk_widget_grab_focus (row);
    }
}

static void
clear_errors (ArbTokenizeDialog *self)
{
  GtkWidget *rows[] = { GTK_WIDGET (self->endpoint_row), GTK_WIDGET (self->tokenizer_row),
                        GTK_WIDGET (self->key_env_row), GTK_WIDGET (self->model_row) };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    gtk_widget_remove_css_class (rows[i], "error");
  show_message (self, NULL, NULL);
}

static void
set_running (ArbTokenizeDialog *self,
             gboolean           running)
{
  gtk_widget_set_sensitive (self->form, !running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tokenize.run", !running);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), running);
}

static void
api_changed_cb (ArbTokenizeDialog *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->model_row),
                          adw_combo_row_get_selected (self->api_row) == ARB_TOKENIZE_API_VLLM);
}

static void
remember (const Job *job,
          guint      api,
          guint      context)
{
  g_free (last.endpoint);
  last.endpoint = g_strdup (job->endpoint);
  g_free (last.tokenizer);
  last.tokenizer = g_strdup (job->tokenizer);
  g_free (last.model);
  last.model = g_strdup (job->model);
  g_free (last.key_env);
  last.key_env = g_strdup (job->key_env);
  last.api = api;
  last.context = context;
  last.concurrency = (int) job->options.concurrency;
  last.attempts = (int) job->options.max_attempts;
}

static void
run_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  ArbTokenizeDialog *self = ARB_TOKENIZE_DIALOG (widget);
  static const ArbTokenizeContext contexts[] = {
    ARB_TOKENIZE_CONTEXT_AUTO, ARB_TOKENIZE_CONTEXT_ALONE, ARB_TOKENIZE_CONTEXT_CHAT
  };
  g_autofree char *endpoint = row_text (self->endpoint_row);
  g_autofree char *tokenizer = row_text (self->tokenizer_row);
  g_autofree char *model = row_text (self->model_row);
  g_autofree char *key_env = row_text (self->key_env_row);
  g_autofree char *url = NULL;
  g_autofree char *spec_key_env = NULL;
  g_autoptr(GError) bad = NULL;
  g_autoptr(GTask) task = NULL;
  ArbWorkspace *ws = arb_window_get_workspace (self->window);
  guint api = adw_combo_row_get_selected (self->api_row);
  guint context = adw_combo_row_get_selected (self->context_row);
  guint n = 0;
  double rpm = 0, tpm = 0;
  Job *job;

  if (self->job != NULL)
    return;
  clear_errors (self);
  if (ws == NULL)
    {
      show_message (self, NULL, _("Open a workspace first: its responses are what is "
                                  "tokenized."));
      return;
    }
  if (arb_window_get_importing (self->window))
    {
      show_message (self, NULL, _("An import is running; wait for it or cancel it, then "
                                  "tokenize."));
      return;
    }
  if (*endpoint == '\0')
    {
      show_message (self, GTK_WIDGET (self->endpoint_row),
                    _("Give the tokenizing server's base URL, for example "
                      "http://127.0.0.1:8080."));
      return;
    }
  if (!arb_http_endpoint_parse (endpoint, &url, &n, &rpm, &tpm, &spec_key_env, &bad))
    {
      g_autofree char *msg = g_strdup_printf (_("Endpoint URL: %s"), bad->message);

      show_message (self, GTK_WIDGET (self->endpoint_row), msg);
      return;
    }
  if (*tokenizer == '\0')
    {
      show_message (self, GTK_WIDGET (self->tokenizer_row),
                    _("Name the tokenizer, for example meta-llama/Llama-3.1-8B-Instruct: its "
                      "tokens are stored, and offered on the Spans page, under this name."));
      return;
    }
  if (*key_env != '\0' && !is_variable_name (key_env))
    {
      g_autofree char *msg = g_strdup_printf (_("“%s” is not the name of an environment "
                                                "variable (letters, digits and _)."), key_env);

      show_message (self, GTK_WIDGET (self->key_env_row), msg);
      return;
    }
  if (*key_env != '\0' && (g_getenv (key_env) == NULL || *g_getenv (key_env) == '\0'))
    {
      g_autofree char *msg = g_strdup_printf (_("The environment variable %s holds no API key "
                                                "in the environment Arbiter was started from. "
                                                "Leave the field empty to use the key saved on "
                                                "the Judges page, or none."), key_env);

      show_message (self, GTK_WIDGET (self->key_env_row), msg);
      return;
    }
  g_assert (api <= ARB_TOKENIZE_API_VLLM && context < G_N_ELEMENTS (contexts));

  job = g_atomic_rc_box_new0 (Job);
  g_mutex_init (&job->lock);
  g_weak_ref_init (&job->dialog, self);
  g_weak_ref_init (&job->window, self->window);
  job->path = g_strdup (arb_workspace_get_path (ws));
  job->endpoint = g_steal_pointer (&endpoint);
  job->endpoints[0] = job->endpoint;
  job->tokenizer = g_steal_pointer (&tokenizer);
  job->model = api == ARB_TOKENIZE_API_VLLM && *model != '\0' ? g_steal_pointer (&model) : NULL;
  job->key_env = *key_env != '\0' ? g_steal_pointer (&key_env) : NULL;
  job->cancellable = g_cancellable_new ();
  /* Closing the last window cancels the run (the dialog goes with it); the application stays
   * until the worker stopped and its connection is closed. */
  job->app = g_application_get_default () != NULL ? g_object_ref (g_application_get_default ())
                                                  : NULL;
  if (job->app != NULL)
    g_application_hold (job->app);
  job->todo = -1;
  job->options.endpoints = job->endpoints;
  job->options.n_endpoints = 1;
  job->options.tokenizer = job->tokenizer;
  job->options.model = job->model;
  job->options.api = (ArbTokenizeApi) api;
  job->options.context = contexts[context];
  job->options.api_key_env = job->key_env;
  job->options.concurrency = (guint) gtk_spin_button_get_value_as_int (self->concurrency_spin);
  job->options.max_attempts = (guint) gtk_spin_button_get_value_as_int (self->attempts_spin);
  remember (job, api, context);

  self->job = job;
  set_running (self, TRUE);
  show_job_progress (job);
  task = g_task_new (NULL, job->cancellable, job_done, NULL);
  g_task_set_source_tag (task, run_action);
  g_task_set_task_data (task, job_ref (job), (GDestroyNotify) job_unref);
  g_task_run_in_thread (task, job_thread);
}

/* Cancel (or Escape) stops a run, keeping what it stored; without one it closes the dialog. */
static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ArbTokenizeDialog *self = ARB_TOKENIZE_DIALOG (widget);

  if (self->job != NULL)
    {
      g_cancellable_cancel (self->job->cancellable);
      gtk_label_set_text (self->status_label, _("Cancelling; the responses tokenized so far "
                                                "are kept…"));
    }
  else
    gtk_window_destroy (GTK_WINDOW (self));
}

/* Closing the window while a run goes on cancels it; the dialog goes once the run stopped. */
static gboolean
arb_tokenize_dialog_close_request (GtkWindow *window)
{
  ArbTokenizeDialog *self = ARB_TOKENIZE_DIALOG (window);

  if (self->job == NULL)
    return FALSE;
  cancel_action (GTK_WIDGET (self), "tokenize.cancel", NULL);
  return TRUE;
}

static GtkWidget *
spin_row (const char  *title,
          const char  *subtitle,
          const char  *name,
          double       max,
          int          value,
          GtkSpinButton **out_spin)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (1, max, 1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_widget_set_name (spin, name);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  *out_spin = GTK_SPIN_BUTTON (spin);
  return row;
}

static AdwEntryRow *
entry_row (AdwPreferencesGroup *group,
           const char          *title,
           const char          *name,
           const char          *text)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  gtk_widget_set_name (row, name);
  gtk_editable_set_text (GTK_EDITABLE (row), text != NULL ? text : "");
  adw_preferences_group_add (group, row);
  return ADW_ENTRY_ROW (row);
}

static AdwComboRow *
combo_row (AdwPreferencesGroup *group,
           const char          *title,
           const char          *name,
           const char * const  *items,
           guint                selected)
{
  GtkWidget *row = adw_combo_row_new ();
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);

  for (guint i = 0; items[i] != NULL; i++)
    gtk_string_list_append (model, _(items[i]));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  gtk_widget_set_name (row, name);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), selected);
  adw_preferences_group_add (group, row);
  return ADW_COMBO_ROW (row);
}

static void
build_form (ArbTokenizeDialog *self)
{
  static const char *apis[] = { N_("llama.cpp server"), N_("vLLM"), NULL };
  static const char *contexts[] = { N_("Automatic"), N_("Alone"), N_("In chat context"), NULL };
  GtkWidget *toolbar = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *title = adw_window_title_new (_("Tokenize Responses"), NULL);
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *run = gtk_button_new_with_mnemonic (_("_Tokenize"));
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  AdwPreferencesGroup *server = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *tokens = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *limits = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  GtkWidget *row;

  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), title);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  gtk_widget_set_name (cancel, "tokenize-cancel");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "tokenize.cancel");
  gtk_widget_set_name (run, "tokenize-run");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (run), "tokenize.run");
  gtk_widget_add_css_class (run, "suggested-action");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), run);
  gtk_box_append (GTK_BOX (toolbar), header);

  adw_preferences_group_set_title (server, _("Server"));
  adw_preferences_group_set_description (server,
    _("A llama.cpp server or vLLM that serves the tokenizer. Without a variable for the API key, "
      "the key saved for this URL on the Judges page is sent, if there is one."));
  self->endpoint_row = entry_row (server, _("_Endpoint URL"), "tokenize-endpoint",
                                  last.endpoint);
  self->api_row = combo_row (server, _("_API"), "tokenize-api", apis, last.api);
  self->model_row = entry_row (server, _("_Model name (empty: the tokenizer's name)"),
                               "tokenize-model", last.model);
  self->key_env_row = entry_row (server, _("API key environment _variable (optional)"),
                                 "tokenize-key-env", last.key_env);

  adw_preferences_group_set_title (tokens, _("Tokens"));
  adw_preferences_group_set_description (tokens,
    _("The tokens are stored under the tokenizer's name; the Spans page then offers them as "
      "units. Automatic tokenizes each response in its chat context when the server has a chat "
      "template, else alone."));
  self->tokenizer_row = entry_row (tokens, _("_Tokenizer name, e.g. "
                                             "meta-llama/Llama-3.1-8B-Instruct"),
                                   "tokenize-tokenizer", last.tokenizer);
  self->context_row = combo_row (tokens, _("C_ontext"), "tokenize-context", contexts,
                                 last.context);

  adw_preferences_group_set_title (limits, _("Limits"));
  row = spin_row (_("_Requests in flight"), _("At once, on this server"),
                  "tokenize-concurrency", 256, last.concurrency, &self->concurrency_spin);
  adw_preferences_group_add (limits, row);
  row = spin_row (_("Attem_pts per request"), _("Before a response counts as failed"),
                  "tokenize-attempts", 20, last.attempts, &self->attempts_spin);
  adw_preferences_group_add (limits, row);

  self->form = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  gtk_box_append (GTK_BOX (self->form), GTK_WIDGET (server));
  gtk_box_append (GTK_BOX (self->form), GTK_WIDGET (tokens));
  gtk_box_append (GTK_BOX (self->form), GTK_WIDGET (limits));
  self->message_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (self->message_label), "tokenize-message");
  gtk_label_set_wrap (self->message_label, TRUE);
  gtk_label_set_xalign (self->message_label, 0);
  gtk_label_set_selectable (self->message_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->message_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->message_label));
  gtk_box_append (GTK_BOX (box), self->form);

  self->status_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (self->status_label), "tokenize-status");
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_label_set_xalign (self->status_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "dim-label");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->status_label));

  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 560);
  adw_clamp_set_child (ADW_CLAMP (clamp), box);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), clamp);
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (toolbar), scroller);
  adw_window_set_content (ADW_WINDOW (self), toolbar);

  g_signal_connect_object (self->api_row, "notify::selected", G_CALLBACK (api_changed_cb), self,
                           G_CONNECT_SWAPPED);
  api_changed_cb (self);
}

static void
arb_tokenize_dialog_dispose (GObject *object)
{
  ArbTokenizeDialog *self = ARB_TOKENIZE_DIALOG (object);

  /* A run outlives its dialog only to stop: nobody is left to cancel it. */
  if (self->job != NULL)
    g_cancellable_cancel (self->job->cancellable);
  g_clear_pointer (&self->job, job_unref);
  if (self->window != NULL)
    g_object_set_data (G_OBJECT (self->window), "arb-tokenize-dialog", NULL);
  g_clear_object (&self->window);
  G_OBJECT_CLASS (arb_tokenize_dialog_parent_class)->dispose (object);
}

static void
arb_tokenize_dialog_finalize (GObject *object)
{
  ArbTokenizeDialog *self = ARB_TOKENIZE_DIALOG (object);

  g_free (self->message);
  G_OBJECT_CLASS (arb_tokenize_dialog_parent_class)->finalize (object);
}

static void
arb_tokenize_dialog_class_init (ArbTokenizeDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = arb_tokenize_dialog_dispose;
  object_class->finalize = arb_tokenize_dialog_finalize;
  window_class->close_request = arb_tokenize_dialog_close_request;
  gtk_widget_class_install_action (widget_class, "tokenize.run", NULL, run_action);
  gtk_widget_class_install_action (widget_class, "tokenize.cancel", NULL, cancel_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "tokenize.cancel", NULL);
}

static void
arb_tokenize_dialog_init (ArbTokenizeDialog *self)
{
  gtk_window_set_title (GTK_WINDOW (self), _("Tokenize Responses"));
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (self), 560, 760);
  build_form (self);
}

/**
 * arb_tokenize_dialog_present:
 * @window: the window whose workspace is tokenized
 *
 * Shows the window's Tokenize Responses dialog, making it if there is none.
 *
 * Returns: (transfer none): the dialog
 */
ArbTokenizeDialog *
arb_tokenize_dialog_present (ArbWindow *window)
{
  ArbTokenizeDialog *self;

  g_return_val_if_fail (ARB_IS_WINDOW (window), NULL);
  self = g_object_get_data (G_OBJECT (window), "arb-tokenize-dialog");
  if (self == NULL)
    {
      self = g_object_new (ARB_TYPE_TOKENIZE_DIALOG, "transient-for", window, NULL);
      self->window = g_object_ref (window);
      g_object_set_data (G_OBJECT (window), "arb-tokenize-dialog", self);
    }
  gtk_window_present (GTK_WINDOW (self));
  return self;
}

gboolean
arb_tokenize_dialog_get_running (ArbTokenizeDialog *self)
{
  g_return_val_if_fail (ARB_IS_TOKENIZE_DIALOG (self), FALSE);
  return self->job != NULL;
}

/**
 * arb_tokenize_dialog_get_message:
 *
 * Returns: (nullable): what the form says is wrong, or why the last run could not be made
 */
const char *
arb_tokenize_dialog_get_message (ArbTokenizeDialog *self)
{
  g_return_val_if_fail (ARB_IS_TOKENIZE_DIALOG (self), NULL);
  return self->message;
}
