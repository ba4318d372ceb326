/* arb-judges-page.c: run an LLM judge over the workspace's comparisons
 *
 * The form holds what `arbiter-cli judge` takes: endpoints, the API key's source, model,
 * template, orders, samples and the limits. Estimate is the CLI's --dry-run; Run is the same
 * arb_judge_run, on a worker thread (GTask) with its own connection to the workspace, so the
 * window stays responsive and annotators keep committing. The worker's progress reaches the
 * widgets through the main context, one pending update at a time (the engine reports every
 * 100 ms or so). Cancel (or Escape) stops sending and keeps every answer that arrived; running
 * again sends only what is missing, because answered requests are in `calls`.
 *
 * An API key typed here goes to the desktop keyring under each endpoint's URL (arb-api-key.h),
 * where the run finds it; it is never written into the workspace or shown again.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "arb-api-key.h"
#include "arb-judges-page.h"
#include "arb-markdown.h"
#include "arb-window.h"

/* The figures of an estimate, each a row of the Estimate group. */
enum
{
  EST_SEND,
  EST_CACHED,
  EST_SETTLED,
  EST_TIES,
  EST_NO_REFERENCE,
  EST_INPUT,
  EST_OUTPUT,
  EST_COST,
  N_ESTIMATES
};

static const struct
{
  const char *name;
  const char *title;
  const char *subtitle;
} estimate_rows[N_ESTIMATES] = {
  { "judges-est-send", N_("Requests to send"), NULL },
  { "judges-est-cached", N_("Answered in the cache"), N_("Written without a call") },
  { "judges-est-settled", N_("Verdicts there already"), NULL },
  { "judges-est-ties", N_("Ties of identical texts"), N_("No judge is asked") },
  { "judges-est-no-reference", N_("Left out"), N_("The template needs a reference answer the prompt lacks") },
  { "judges-est-input", N_("Input tokens, about"), NULL },
  { "judges-est-output", N_("Output tokens, at most"), N_("The template's max_tokens for every request") },
  { "judges-est-cost", N_("Cost, at most"), N_("From the prices under Limits") },
};

/* The live counters of a run. */
enum
{
  COUNT_DONE,
  COUNT_CACHED,
  COUNT_FAILED,
  COUNT_IN_FLIGHT,
  COUNT_RATE,
  COUNT_TOKENS,
  COUNT_COST,
  N_COUNTS
};

static const struct
{
  const char *name;
  const char *caption;
} count_tiles[N_COUNTS] = {
  { "judges-done", N_("done") },
  { "judges-cached", N_("cached") },
  { "judges-failed", N_("failed") },
  { "judges-in-flight", N_("in flight") },
  { "judges-rate", N_("requests/s") },
  { "judges-tokens", N_("tokens") },
  { "judges-cost", N_("USD") },
};

typedef struct Job Job;

#define EMPTY_DESCRIPTION N_("Plan comparisons first: arbiter-cli plan WORKSPACE --all-pairs (or " \
                             "--baseline SYSTEM) pairs the responses of each prompt. Imported " \
                             "pairs and verdicts count too.")

struct _ArbJudgesPage
{
  GtkWidget             parent_instance;

  /* template children */
  GtkStack             *stack;
  AdwStatusPage        *empty_page;
  GtkRevealer          *message_revealer;
  GtkBox               *message_box;
  GtkImage             *message_icon;
  GtkLabel             *message_label;
  AdwPreferencesGroup  *endpoints_group;
  AdwEntryRow          *endpoint_row;
  AdwComboRow          *key_source_row;
  AdwPasswordEntryRow  *key_row;
  AdwEntryRow          *key_env_row;
  AdwEntryRow          *model_row;
  AdwComboRow          *template_row;
  AdwEntryRow          *rater_row;
  AdwComboRow          *orders_row;
  GtkSpinButton        *samples_spin;
  GtkSpinButton        *seed_spin;
  GtkSwitch            *reparse_switch;
  AdwActionRow         *systems_row;
  GtkBox               *systems_box;
  GtkSpinButton        *concurrency_spin;
  GtkSpinButton        *rpm_spin;
  GtkSpinButton        *tpm_spin;
  GtkSpinButton        *price_input_spin;
  GtkSpinButton        *price_output_spin;
  GtkSpinButton        *max_cost_spin;
  GtkSpinButton        *timeout_spin;
  GtkSpinButton        *attempts_spin;
  AdwPreferencesGroup  *estimate_group;
  GtkProgressBar       *progress_bar;
  GtkFlowBox           *counts_box;
  GtkLabel             *summary_label;
  GtkButton            *cancel_button;

  GtkLabel             *estimate_labels[N_ESTIMATES];
  GtkLabel             *count_labels[N_COUNTS];
  GPtrArray            *extra_endpoints;  /* (element-type AdwEntryRow) */
  guint                 n_endpoint_rows;  /* for the rows' names */
  GtkStringList        *template_model;   /* what the chooser shows, then "Other file…" */
  GPtrArray            *template_values;  /* (element-type utf8): a name or a path per item */
  guint                 template_chosen;  /* the last real choice */
  gboolean              updating;         /* the chooser is being changed from code */
  GtkFileChooserNative *chooser;
  guint                 pulse_source;

  ArbWorkspace         *workspace;
  GCancellable         *check_cancellable; /* of the check for comparisons */
  Job                  *job;              /* the estimate or run going on */
  gboolean              saving_key;
  ArbJudgeResult        result;           /* the last one reported */
  gboolean              have_result;
};

G_DEFINE_FINAL_TYPE (ArbJudgesPage, arb_judges_page, GTK_TYPE_WIDGET)

static void update_actions (ArbJudgesPage *self);

ArbJudgesPage *
arb_judges_page_new (void)
{
  return g_object_new (ARB_TYPE_JUDGES_PAGE, NULL);
}

/* ---- small helpers */

static char *
format_count (gint64 n)
{
  /* Thin groups of three digits read better than 1234567 at a glance. */
  g_autofree char *digits = g_strdup_printf ("%" G_GINT64_FORMAT, n < 0 ? -n : n);
  GString *s = g_string_new (n < 0 ? "-" : "");
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append (s, "\u2009");
      g_string_append_c (s, digits[i]);
    }
  return g_string_free (s, FALSE);
}

static void
wipe_free (char *secret)
{
  if (secret == NULL)
    return;
  memset (secret, 0, strlen (secret));
  g_free (secret);
}

static void
set_label_count (GtkLabel *label,
                 gint64    n)
{
  g_autofree char *text = format_count (n);

  gtk_label_set_text (label, text);
}

static ArbWindow *
get_window (ArbJudgesPage *self)
{
  GtkWidget *w = gtk_widget_get_ancestor (GTK_WIDGET (self), ARB_TYPE_WINDOW);

  return w != NULL ? ARB_WINDOW (w) : NULL;
}

typedef enum
{
  MESSAGE_INFO,
  MESSAGE_WARNING,
  MESSAGE_ERROR,
} MessageKind;

static void
show_message (ArbJudgesPage *self,
              MessageKind    kind,
              const char    *text)
{
  static const char *icons[] = {
    "dialog-information-symbolic", "dialog-warning-symbolic", "dialog-error-symbolic"
  };

  gtk_image_set_from_icon_name (self->message_icon, icons[kind]);
  gtk_widget_remove_css_class (GTK_WIDGET (self->message_icon), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->message_icon), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->message_icon), "accent");
  gtk_widget_add_css_class (GTK_WIDGET (self->message_icon),
                            kind == MESSAGE_ERROR ? "error"
                            : kind == MESSAGE_WARNING ? "warning" : "accent");
  gtk_label_set_text (self->message_label, text);
  gtk_revealer_set_reveal_child (self->message_revealer, TRUE);
}

static void
dismiss_message_cb (ArbJudgesPage *self)
{
  gtk_revealer_set_reveal_child (self->message_revealer, FALSE);
  gtk_label_set_text (self->message_label, "");
}

/* ---- the form */

static char *
row_text (gpointer row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

/* The endpoints' URLs as typed, empty rows left out. */
static GStrv
collect_endpoints (ArbJudgesPage *self)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_autofree char *first = row_text (self->endpoint_row);

  if (*first != '\0')
    g_strv_builder_add (b, first);
  for (guint i = 0; i < self->extra_endpoints->len; i++)
    {
      g_autofree char *url = row_text (self->extra_endpoints->pdata[i]);

      if (*url != '\0')
        g_strv_builder_add (b, url);
    }
  return g_strv_builder_end (b);
}

/* An endpoint is "URL [concurrency=N] [rpm=N] [tpm=N] [key-env=VAR]", as for arbiter-cli. */
static char *
endpoint_url (const char  *spec,
              GError     **error)
{
  g_autofree char *key_env = NULL;
  char *url = NULL;
  guint concurrency = 0;
  double rpm = 0, tpm = 0;

  if (!arb_http_endpoint_parse (spec, &url, &concurrency, &rpm, &tpm, &key_env, error))
    return NULL;
  return url;
}

static gboolean
check_endpoint_row (gpointer row)
{
  g_autofree char *spec = row_text (row);
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;

  if (*spec == '\0' || (url = endpoint_url (spec, &error)) != NULL)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (row), NULL);
      return TRUE;
    }
  gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  gtk_widget_set_tooltip_text (GTK_WIDGET (row), error->message);
  return FALSE;
}

static gboolean
env_mode (ArbJudgesPage *self)
{
  return adw_combo_row_get_selected (self->key_source_row) == 1;
}

static void
form_changed_cb (ArbJudgesPage *self)
{
  update_actions (self);
}

static void
key_source_changed_cb (ArbJudgesPage *self)
{
  gboolean env = env_mode (self);

  gtk_widget_set_visible (GTK_WIDGET (self->key_row), !env);
  gtk_widget_set_visible (GTK_WIDGET (self->key_env_row), env);
  update_actions (self);
}

static void
remove_endpoint_cb (GtkButton     *button,
                    ArbJudgesPage *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), ADW_TYPE_ENTRY_ROW);

  if (row == NULL || !g_ptr_array_remove (self->extra_endpoints, row))
    return;
  adw_preferences_group_remove (self->endpoints_group, row);
  update_actions (self);
}

static GtkWidget *
add_endpoint_row (ArbJudgesPage *self)
{
  GtkWidget *row = adw_entry_row_new ();
  GtkWidget *remove = gtk_button_new_from_icon_name ("list-remove-symbolic");
  guint n = ++self->n_endpoint_rows + 1;
  g_autofree char *name = g_strdup_printf ("judges-endpoint-%u", n);
  g_autofree char *remove_name = g_strdup_printf ("judges-endpoint-remove-%u", n);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Base URL"));
  gtk_widget_set_name (row, name);
  gtk_widget_set_name (remove, remove_name);
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (remove, _("Remove this endpoint"));
  g_signal_connect (remove, "clicked", G_CALLBACK (remove_endpoint_cb), self);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), remove);
  g_signal_connect_object (row, "changed", G_CALLBACK (form_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_ptr_array_add (self->extra_endpoints, row);
  adw_preferences_group_add (self->endpoints_group, row);
  return row;
}

static void
add_endpoint_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  ArbJudgesPage *self = ARB_JUDGES_PAGE (widget);

  gtk_widget_grab_focus (add_endpoint_row (self));
  update_actions (self);
}

/* ---- templates */

static const char *
syntax_text (ArbVerdictSyntax syntax)
{
  switch (syntax)
    {
    case ARB_VERDICT_PAIRWISE_5:
      return _("Pairwise, five levels from [[A>>B]] to [[B>>A]]");
    case ARB_VERDICT_PAIRWISE_3:
      return _("Pairwise: [[A]], [[B]], or [[C]] for a tie");
    case ARB_VERDICT_GRADE_10:
      return _("Grades each answer from 1 to 10; the better grade wins");
    case ARB_VERDICT_LOGPROB:
      return _("One token; the probability of B from its log-probabilities");
    default:
      return "";
    }
}

static const char *
chosen_template (ArbJudgesPage *self)
{
  if (self->template_chosen >= self->template_values->len)
    return "pairwise-5";
  return self->template_values->pdata[self->template_chosen];
}

/* The chosen template's verdict syntax under its name, or why it cannot be read. */
static void
describe_template (ArbJudgesPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbJudgeTemplate) tmpl = arb_judge_template_load (chosen_template (self), &error);
  g_autofree char *text = NULL;

  if (tmpl == NULL)
    text = g_strdup_printf (_("Cannot be used: %s"), error->message);
  else if (tmpl->needs_reference)
    text = g_strdup_printf (_("%s; uses the prompt's reference answer"),
                            syntax_text (tmpl->verdict));
  else
    text = g_strdup (syntax_text (tmpl->verdict));
  if (strchr (chosen_template (self), '/') != NULL)
    {
      g_autofree char *with_path = g_strdup_printf ("%s\n%s", text, chosen_template (self));

      g_free (text);
      text = g_steal_pointer (&with_path);
    }
  /* Plain text (the row's use-markup is off): a path may hold any character. */
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->template_row), text);
}

static void
choose_template (ArbJudgesPage *self,
                 guint          index)
{
  self->updating = TRUE;
  self->template_chosen = index;
  adw_combo_row_set_selected (self->template_row, index);
  self->updating = FALSE;
  describe_template (self);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

/* The templates of data/judges, where arb_judge_template_load looks for them by name. */
static void
list_templates (ArbJudgesPage *self)
{
  const char *dirs[] = { g_getenv ("ARB_JUDGES_DIR"), ARB_JUDGES_DATADIR, ARB_JUDGES_SRCDIR };
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint chosen = 0;

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      GDir *dir = dirs[i] != NULL ? g_dir_open (dirs[i], 0, NULL) : NULL;
      const char *file;

      if (dir == NULL)
        continue;
      while ((file = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (file, ".ini"))
          {
            char *name = g_strndup (file, strlen (file) - 4);

            if (g_hash_table_add (seen, name))
              g_ptr_array_add (names, name);
            else
              g_free (name);
          }
      g_dir_close (dir);
    }
  g_ptr_array_sort (names, compare_strings);

  for (guint i = 0; i < names->len; i++)
    {
      gtk_string_list_append (self->template_model, names->pdata[i]);
      g_ptr_array_add (self->template_values, g_strdup (names->pdata[i]));
      if (g_str_equal (names->pdata[i], "pairwise-5"))
        chosen = i;
    }
  gtk_string_list_append (self->template_model, _("Other file…"));
  self->updating = TRUE;
  adw_combo_row_set_model (self->template_row, G_LIST_MODEL (self->template_model));
  self->updating = FALSE;
  choose_template (self, chosen);
}

/**
 * arb_judges_page_set_template_file:
 *
 * Adds @path to the templates (once) and chooses it.
 */
void
arb_judges_page_set_template_file (ArbJudgesPage *self,
                                   const char    *path)
{
  g_autofree char *base = NULL;
  guint index;

  g_return_if_fail (ARB_IS_JUDGES_PAGE (self));
  g_return_if_fail (path != NULL);

  for (index = 0; index < self->template_values->len; index++)
    if (g_str_equal (self->template_values->pdata[index], path))
      break;
  if (index == self->template_values->len)
    {
      const char *item[] = { NULL, NULL };

      base = g_path_get_basename (path);
      item[0] = base;
      self->updating = TRUE;
      /* Before "Other file…", which stays last. */
      gtk_string_list_splice (self->template_model, index, 0, item);
      self->updating = FALSE;
      g_ptr_array_add (self->template_values, g_strdup (path));
    }
  choose_template (self, index);
  update_actions (self);
}

static void
chooser_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     ArbJudgesPage   *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        arb_judges_page_set_template_file (self, path);
      else
        choose_template (self, self->template_chosen);
    }
  else
    choose_template (self, self->template_chosen);
  g_clear_object (&self->chooser);
}

static void
template_selected_cb (ArbJudgesPage *self)
{
  guint selected = adw_combo_row_get_selected (self->template_row);
  GtkFileFilter *filter;
  GtkWindow *window;

  if (self->updating || selected == GTK_INVALID_LIST_POSITION)
    return;
  if (selected < self->template_values->len)
    {
      self->template_chosen = selected;
      describe_template (self);
      return;
    }
  /* "Other file…" */
  if (self->chooser != NULL)
    return;
  window = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));
  self->chooser = gtk_file_chooser_native_new (_("Open a Judge Template"), window,
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Judge templates (.ini)"));
  gtk_file_filter_add_pattern (filter, "*.ini");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_object_unref (filter);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- the job: an estimate or a run, on a worker thread */

struct Job
{
  gatomicrefcount  ref;
  ArbJudgesPage   *page;            /* main thread only; NULL once the page let go */
  GApplication    *app;             /* held while the job runs */
  char            *path;
  GStrv            endpoints;
  char            *model;
  GStrv            systems;
  char            *rater;
  char            *template_name;
  char            *api_key_env;
  char            *store_key;       /* a key to put in the keyring first; wiped after */
  ArbJudgeOptions  options;
  GCancellable    *cancellable;

  GMutex           lock;            /* guards the two below */
  ArbJudgeResult   progress;        /* the latest report (its rater not copied) */
  gboolean         update_pending;

  /* the worker's, read by the main thread once it finished */
  ArbJudgeResult   result;
  gboolean         key_stored;
};

static Job *
job_ref (Job *job)
{
  g_atomic_ref_count_inc (&job->ref);
  return job;
}

static void
job_unref (Job *job)
{
  if (!g_atomic_ref_count_dec (&job->ref))
    return;
  g_clear_object (&job->app);
  g_free (job->path);
  g_strfreev (job->endpoints);
  g_free (job->model);
  g_strfreev (job->systems);
  g_free (job->rater);
  g_free (job->template_name);
  g_free (job->api_key_env);
  wipe_free (job->store_key);
  g_clear_object (&job->cancellable);
  arb_judge_result_clear (&job->result);
  g_mutex_clear (&job->lock);
  g_free (job);
}

static void show_progress (ArbJudgesPage *self, const ArbJudgeResult *r, gboolean running);

static gboolean
progress_idle (gpointer data)
{
  Job *job = data;
  ArbJudgeResult r;

  g_mutex_lock (&job->lock);
  r = job->progress;
  job->update_pending = FALSE;
  g_mutex_unlock (&job->lock);
  if (job->page != NULL && job->page->job == job)
    show_progress (job->page, &r, TRUE);
  return G_SOURCE_REMOVE;
}

/* On the worker: keep the numbers and ask the main thread to show them, unless it is asked
 * already (the widgets are the main thread's alone). */
static void
job_progress (const ArbJudgeResult *result,
              gpointer              user_data)
{
  Job *job = user_data;
  gboolean schedule;

  g_mutex_lock (&job->lock);
  job->progress = *result;
  job->progress.rater = NULL;
  schedule = !job->update_pending;
  job->update_pending = TRUE;
  g_mutex_unlock (&job->lock);
  if (schedule)
    g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, progress_idle, job_ref (job),
                                (GDestroyNotify) job_unref);
}

/* On a worker: libsecret's calls block. The key is stored under each endpoint's URL, where
 * arb_judge_run looks it up. */
static gboolean
store_key (const char *const *endpoints,
           const char        *key,
           GError           **error)
{
  for (guint i = 0; endpoints[i] != NULL; i++)
    {
      g_autofree char *url = endpoint_url (endpoints[i], error);

      if (url == NULL)
        return FALSE;
      if (!arb_api_key_store (url, key, error))
        {
          g_prefix_error (error, _("Could not save the API key in the keyring for %s: "), url);
          return FALSE;
        }
    }
  return TRUE;
}

static void
job_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = NULL;

  if (job->store_key != NULL)
    {
      gboolean stored = store_key ((const char *const *) job->endpoints, job->store_key, &error);

      g_clear_pointer (&job->store_key, wipe_free);
      if (!stored)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      job->key_stored = TRUE;
    }

  /* The worker's own connection: the window keeps reading and writing through its own. */
  ws = arb_workspace_open (job->path, &error);
  if (ws == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!arb_judge_run (ws, &job->options, job_progress, job, &job->result, cancellable, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* ---- showing what a job reports */

/* The last numbers a job reported. The reports from the worker do not carry the rater's
 * name; the last one does. */
static void
keep_result (ArbJudgesPage        *self,
             const ArbJudgeResult *r)
{
  char *rater = r->rater != NULL ? g_strdup (r->rater) : NULL;

  arb_judge_result_clear (&self->result);
  self->result = *r;
  self->result.rater = rater;
  self->have_result = TRUE;
}

static void
show_estimate (ArbJudgesPage        *self,
               const ArbJudgeResult *r)
{
  keep_result (self, r);
  gint64 values[N_ESTIMATES] = {
    r->to_send, r->cached, r->settled, r->ties, r->no_reference, r->estimated_input_tokens,
    r->estimated_output_tokens, 0
  };

  for (guint i = 0; i < EST_COST; i++)
    set_label_count (self->estimate_labels[i], values[i]);
  if (gtk_spin_button_get_value (self->price_input_spin) > 0 ||
      gtk_spin_button_get_value (self->price_output_spin) > 0)
    {
      g_autofree char *cost = g_strdup_printf (_("%.4f USD"), r->estimated_cost);

      gtk_label_set_text (self->estimate_labels[EST_COST], cost);
    }
  else
    gtk_label_set_text (self->estimate_labels[EST_COST], _("no prices set"));
}

static void
show_progress (ArbJudgesPage        *self,
               const ArbJudgeResult *r,
               gboolean              running)
{
  gint64 done = r->http.answered + r->http.given_up + r->http.not_sent;
  double rate = r->seconds > 0 ? r->http.attempts / r->seconds : 0;
  g_autofree char *done_text = format_count (done);
  g_autofree char *total_text = format_count (r->to_send);
  g_autofree char *bar = NULL;
  g_autofree char *rate_text = g_strdup_printf ("%.1f", rate);
  g_autofree char *cost_text = g_strdup_printf ("%.4f", r->http.cost);

  keep_result (self, r);
  if (self->pulse_source != 0)
    {
      g_source_remove (self->pulse_source);
      self->pulse_source = 0;
    }
  gtk_progress_bar_set_fraction (self->progress_bar,
                                 r->to_send > 0 ? MIN (1.0, (double) done / r->to_send) : 1.0);
  /* Translators: requests done of requests to send */
  bar = g_strdup_printf (_("%s of %s requests"), done_text, total_text);
  gtk_progress_bar_set_text (self->progress_bar, bar);
  set_label_count (self->count_labels[COUNT_DONE], done);
  set_label_count (self->count_labels[COUNT_CACHED], r->cached);
  set_label_count (self->count_labels[COUNT_FAILED], r->http.given_up);
  set_label_count (self->count_labels[COUNT_IN_FLIGHT], running ? r->http.in_flight : 0);
  gtk_label_set_text (self->count_labels[COUNT_RATE], rate_text);
  set_label_count (self->count_labels[COUNT_TOKENS],
                   r->http.input_tokens + r->http.output_tokens);
  gtk_label_set_text (self->count_labels[COUNT_COST], cost_text);
}

/* What the run did, as `arbiter-cli judge` says it at the end. */
static char *
run_summary (const ArbJudgeResult *r)
{
  g_autofree char *comparisons = format_count (r->comparisons);
  g_autofree char *tasks = format_count (r->tasks);
  g_autofree char *settled = format_count (r->settled);
  g_autofree char *ties = format_count (r->ties);
  g_autofree char *no_ref = format_count (r->no_reference);
  g_autofree char *to_send = format_count (r->to_send);
  g_autofree char *cached = format_count (r->cached);
  g_autofree char *answered = format_count (r->http.answered);
  g_autofree char *given_up = format_count (r->http.given_up);
  g_autofree char *not_sent = format_count (r->http.not_sent);
  g_autofree char *attempts = format_count (r->http.attempts);
  g_autofree char *retries = format_count (r->http.retries);
  g_autofree char *ok = format_count (r->ok);
  g_autofree char *unparseable = format_count (r->unparseable);
  g_autofree char *failed = format_count (r->failed);
  g_autofree char *input = format_count (r->http.input_tokens);
  g_autofree char *output = format_count (r->http.output_tokens);
  g_autofree char *cost = g_strdup_printf ("%.4f", r->http.cost);
  g_autofree char *seconds = g_strdup_printf ("%.1f", r->seconds);
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, _("%s: %s comparisons, %s verdicts wanted (%s there already, %s "
                               "ties of identical texts, %s without a reference)."),
                          r->rater != NULL ? r->rater : "", comparisons, tasks, settled, ties,
                          no_ref);
  g_string_append_c (s, '\n');
  g_string_append_printf (s, _("Requests: %s to send, %s from the cache; %s answered, %s "
                               "failed, %s not sent; %s attempts, %s retries."),
                          to_send, cached, answered, given_up, not_sent, attempts, retries);
  g_string_append_c (s, '\n');
  g_string_append_printf (s, _("Written: %s ok, %s unparseable, %s failed."), ok, unparseable,
                          failed);
  g_string_append_c (s, '\n');
  g_string_append_printf (s, _("%s input tokens, %s output tokens, %s USD, %s s."), input,
                          output, cost, seconds);
  return g_string_free (s, FALSE);
}

/* Why requests failed, from what their attempts met, and where. */
static char *
failure_text (const ArbJudgeResult *r,
              const char *const    *endpoints,
              gboolean              env)
{
  g_autofree char *where = g_strjoinv (", ", (char **) endpoints);
  g_autofree char *failed = format_count (r->http.given_up);
  g_autofree char *total = format_count (r->to_send);
  GString *s = g_string_new (NULL);

  /* Translators: failed requests, requests, the endpoints' URLs */
  g_string_append_printf (s, _("%s of %s requests got no answer from %s."), failed, total,
                          where);
  if (r->http.transport > 0)
    {
      g_autofree char *n = format_count (r->http.transport);

      g_string_append (s, " ");
      g_string_append_printf (s, _("%s attempts could not connect or lost the connection: is a "
                                   "server listening at that address?"), n);
    }
  if (r->http.http_4xx > 0)
    {
      g_autofree char *n = format_count (r->http.http_4xx);

      g_string_append (s, " ");
      g_string_append_printf (s, _("%s were refused with an HTTP 4xx status: 401 or 403 mean "
                                   "a missing or wrong API key, 404 a wrong URL or model."), n);
      g_string_append (s, " ");
      g_string_append (s, env ? _("Check the environment variable that holds the key.")
                              : _("Save the endpoint's key in the keyring above."));
    }
  if (r->http.http_429 > 0)
    {
      g_autofree char *n = format_count (r->http.http_429);

      g_string_append (s, " ");
      g_string_append_printf (s, _("%s were told to slow down (HTTP 429): lower the requests "
                                   "per minute or in flight."), n);
    }
  if (r->http.http_5xx > 0)
    {
      g_autofree char *n = format_count (r->http.http_5xx);

      g_string_append (s, " ");
      g_string_append_printf (s, _("%s met server errors (HTTP 5xx)."), n);
    }
  if (r->http.timeouts > 0)
    {
      g_autofree char *n = format_count (r->http.timeouts);

      g_string_append (s, " ");
      g_string_append_printf (s, _("%s timed out: raise the timeout or lower the requests in "
                                   "flight."), n);
    }
  if (r->http.bad_body > 0)
    {
      g_autofree char *n = format_count (r->http.bad_body);

      g_string_append (s, " ");
      g_string_append_printf (s, _("%s answered with a body that is not JSON."), n);
    }
  g_string_append (s, " ");
  g_string_append (s, _("They are kept as failed verdicts; Run sends them again."));
  return g_string_free (s, FALSE);
}

static void
job_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Job *job = user_data;
  ArbJudgesPage *self = job->page;
  g_autoptr(GError) error = NULL;
  gboolean dry_run = job->options.dry_run;

  g_task_propagate_boolean (G_TASK (result), &error);
  if (job->app != NULL)
    g_application_release (job->app);
  if (self == NULL || self->job != job)
    {
      job_unref (job);
      return;
    }
  self->job = NULL;

  if (job->key_stored)
    gtk_editable_set_text (GTK_EDITABLE (self->key_row), "");
  if (job->result.rater != NULL)
    {
      if (dry_run)
        show_estimate (self, &job->result);
      else
        show_progress (self, &job->result, FALSE);
    }
  if (self->pulse_source != 0)
    {
      g_source_remove (self->pulse_source);
      self->pulse_source = 0;
      gtk_progress_bar_set_fraction (self->progress_bar, 0);
      gtk_progress_bar_set_text (self->progress_bar, _("Not started"));
    }

  if (!dry_run && job->result.rater != NULL)
    {
      g_autofree char *summary = run_summary (&job->result);

      gtk_label_set_text (self->summary_label, summary);
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      gint64 missing = job->result.to_send - job->result.http.answered;
      g_autofree char *answered = format_count (job->result.http.answered);
      g_autofree char *rest = format_count (MAX (0, missing));
      g_autofree char *text =
        g_strdup_printf (_("Cancelled. The %s answers that arrived are kept; Run goes on where "
                           "this one stopped and sends only the %s requests still missing."),
                         answered, rest);

      show_message (self, MESSAGE_INFO, text);
    }
  else if (error != NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_TEMPLATE))
        text = g_strdup_printf (_("The template cannot be used: %s"), error->message);
      else if (g_error_matches (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_RATER))
        text = g_strdup_printf (_("%s. Give this judge another rater name."), error->message);
      else if (g_error_matches (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_COST))
        text = g_strdup_printf (_("%s. Raise the cost limit to send them."), error->message);
      else if (dry_run)
        text = g_strdup_printf (_("Could not estimate the run on %s: %s"), job->path,
                                error->message);
      else
        text = g_strdup_printf (_("The judge stopped on %s: %s"), job->path, error->message);
      show_message (self, g_error_matches (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_COST)
                            ? MESSAGE_WARNING : MESSAGE_ERROR, text);
    }
  else if (!dry_run && job->result.http.given_up > 0)
    {
      g_autofree char *text = failure_text (&job->result,
                                            (const char *const *) job->endpoints,
                                            job->api_key_env != NULL);

      show_message (self, job->result.http.answered == 0 ? MESSAGE_ERROR : MESSAGE_WARNING,
                    text);
    }
  else if (!dry_run)
    {
      ArbWindow *window = get_window (self);
      gint64 written = job->result.ok + job->result.unparseable + job->result.ties +
                       job->result.cached;

      dismiss_message_cb (self);
      if (window != NULL)
        {
          g_autofree char *n = format_count (written);
          g_autofree char *toast =
            g_strdup_printf (ngettext ("Judge finished: %s verdict written",
                                       "Judge finished: %s verdicts written",
                                       (gulong) MIN (written, G_MAXINT)), n);

          arb_window_toast (window, toast);
        }
    }
  else
    dismiss_message_cb (self);

  job_unref (job);
  update_actions (self);
}

static gboolean
pulse_cb (gpointer data)
{
  gtk_progress_bar_pulse (GTK_PROGRESS_BAR (data));
  return G_SOURCE_CONTINUE;
}

/* The ticked systems, or NULL when none is ticked (every comparison). */
static GStrv
chosen_systems (ArbJudgesPage *self)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  guint n = 0;

  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->systems_box)); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    if (gtk_check_button_get_active (GTK_CHECK_BUTTON (c)))
      {
        g_strv_builder_add (b, g_object_get_data (G_OBJECT (c), "system"));
        n++;
      }
  return n > 0 ? g_strv_builder_end (b) : NULL;
}

static void
system_toggled_cb (GtkCheckButton *check,
                   ArbJudgesPage  *self)
{
  g_auto(GStrv) chosen = chosen_systems (self);
  g_autofree char *joined = chosen ? g_strjoinv (", ", chosen) : NULL;
  g_autofree char *text = chosen ? g_strdup_printf (_("Comparisons of two of: %s"), joined)
                                 : g_strdup (_("Every comparison"));
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  adw_action_row_set_subtitle (self->systems_row, escaped);
}

static void
fill_systems (ArbJudgesPage *self)
{
  g_auto(GStrv) systems = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->systems_box))) != NULL)
    gtk_box_remove (self->systems_box, child);
  if (self->workspace != NULL)
    systems = arb_workspace_list_systems (self->workspace, NULL);
  for (guint i = 0; systems != NULL && systems[i] != NULL; i++)
    {
      g_autofree char *visible = arb_markdown_make_visible (systems[i], -1);
      GtkWidget *check = gtk_check_button_new_with_label (visible);

      g_object_set_data_full (G_OBJECT (check), "system", g_strdup (systems[i]), g_free);
      g_signal_connect (check, "toggled", G_CALLBACK (system_toggled_cb), self);
      gtk_box_append (self->systems_box, check);
    }
  system_toggled_cb (NULL, self);
}

static void
start_job (ArbJudgesPage *self,
           gboolean       dry_run)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *model = row_text (self->model_row);
  g_autofree char *rater = row_text (self->rater_row);
  g_autofree char *env = row_text (self->key_env_row);
  const char *typed_key = gtk_editable_get_text (GTK_EDITABLE (self->key_row));
  Job *job;

  if (self->job != NULL || self->workspace == NULL)
    return;
  if (gtk_spin_button_get_value (self->max_cost_spin) > 0 &&
      gtk_spin_button_get_value (self->price_input_spin) == 0 &&
      gtk_spin_button_get_value (self->price_output_spin) == 0)
    {
      show_message (self, MESSAGE_ERROR,
                    _("A cost limit needs a price: give the price of input or output tokens "
                      "under Limits, or set the cost limit to 0."));
      return;
    }

  job = g_new0 (Job, 1);
  g_atomic_ref_count_init (&job->ref);
  g_mutex_init (&job->lock);
  job->page = self;
  job->app = g_application_get_default () != NULL ? g_object_ref (g_application_get_default ())
                                                  : NULL;
  job->path = g_strdup (arb_workspace_get_path (self->workspace));
  job->endpoints = collect_endpoints (self);
  job->model = g_steal_pointer (&model);
  job->rater = *rater != '\0' ? g_steal_pointer (&rater) : NULL;
  job->template_name = g_strdup (chosen_template (self));
  job->api_key_env = env_mode (self) && *env != '\0' ? g_steal_pointer (&env) : NULL;
  if (!dry_run && !env_mode (self) && typed_key != NULL && *typed_key != '\0')
    job->store_key = g_strdup (typed_key);
  job->cancellable = g_cancellable_new ();

  job->options.endpoints = (const char *const *) job->endpoints;
  job->options.n_endpoints = g_strv_length (job->endpoints);
  job->options.model = job->model;
  job->options.rater = job->rater;
  job->options.template_name = job->template_name;
  job->options.both_orders = adw_combo_row_get_selected (self->orders_row) == 1;
  job->options.samples = gtk_spin_button_get_value_as_int (self->samples_spin);
  job->options.seed = (gint64) gtk_spin_button_get_value (self->seed_spin);
  job->options.api_key_env = job->api_key_env;
  job->options.concurrency = gtk_spin_button_get_value_as_int (self->concurrency_spin);
  job->options.rpm = gtk_spin_button_get_value (self->rpm_spin);
  job->options.tpm = gtk_spin_button_get_value (self->tpm_spin);
  job->options.timeout = gtk_spin_button_get_value (self->timeout_spin);
  job->options.max_attempts = gtk_spin_button_get_value_as_int (self->attempts_spin);
  job->options.price_input = gtk_spin_button_get_value (self->price_input_spin);
  job->options.price_output = gtk_spin_button_get_value (self->price_output_spin);
  job->options.max_cost = gtk_spin_button_get_value (self->max_cost_spin);
  job->options.dry_run = dry_run;
  job->options.reparse = gtk_switch_get_active (self->reparse_switch);
  job->systems = chosen_systems (self);
  job->options.systems = (const char *const *) job->systems;

  self->job = job;
  if (job->app != NULL)
    g_application_hold (job->app);
  dismiss_message_cb (self);
  if (!dry_run)
    {
      /* Until the first report the run is reading the workspace and building requests. */
      gtk_progress_bar_set_text (self->progress_bar, _("Preparing the requests…"));
      gtk_progress_bar_set_fraction (self->progress_bar, 0);
      if (self->pulse_source == 0)
        self->pulse_source = g_timeout_add (100, pulse_cb, self->progress_bar);
      gtk_label_set_text (self->summary_label, "");
    }

  task = g_task_new (NULL, job->cancellable, job_done, job_ref (job));
  g_task_set_source_tag (task, start_job);
  g_task_set_task_data (task, job, (GDestroyNotify) job_unref);
  g_task_run_in_thread (task, job_thread);
  update_actions (self);
  /* Escape reaches the page from the button that stops the run. */
  if (!dry_run)
    gtk_widget_grab_focus (GTK_WIDGET (self->cancel_button));
}

static void
estimate_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  start_job (ARB_JUDGES_PAGE (widget), TRUE);
}

static void
run_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  start_job (ARB_JUDGES_PAGE (widget), FALSE);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ArbJudgesPage *self = ARB_JUDGES_PAGE (widget);

  if (self->job != NULL)
    g_cancellable_cancel (self->job->cancellable);
}

/* ---- saving a key in the keyring */

typedef struct
{
  GStrv  endpoints;
  char  *key;
} KeyJob;

static void
key_job_free (KeyJob *kj)
{
  g_strfreev (kj->endpoints);
  wipe_free (kj->key);
  g_free (kj);
}

static void
key_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  KeyJob *kj = task_data;
  g_autoptr(GError) error = NULL;

  if (!store_key ((const char *const *) kj->endpoints, kj->key, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
key_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(ArbJudgesPage) self = user_data;
  g_autoptr(GError) error = NULL;
  KeyJob *kj = g_task_get_task_data (G_TASK (result));

  self->saving_key = FALSE;
  /* The page went away meanwhile: its widgets are gone. */
  if (self->stack == NULL)
    return;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    show_message (self, MESSAGE_ERROR, error->message);
  else
    {
      g_autofree char *where = g_strjoinv (", ", kj->endpoints);
      g_autofree char *text =
        g_strdup_printf (_("The API key is saved in the desktop keyring for %s."), where);

      gtk_editable_set_text (GTK_EDITABLE (self->key_row), "");
      show_message (self, MESSAGE_INFO, text);
    }
  update_actions (self);
}

static void
key_apply_cb (ArbJudgesPage *self)
{
  const char *key = gtk_editable_get_text (GTK_EDITABLE (self->key_row));
  g_autoptr(GTask) task = NULL;
  GStrv endpoints;
  KeyJob *kj;

  if (key == NULL || *key == '\0' || self->saving_key)
    return;
  endpoints = collect_endpoints (self);
  if (endpoints[0] == NULL)
    {
      g_strfreev (endpoints);
      show_message (self, MESSAGE_ERROR,
                    _("Give the endpoint's base URL first: the key is saved under it."));
      return;
    }
  kj = g_new0 (KeyJob, 1);
  kj->endpoints = endpoints;
  kj->key = g_strdup (key);
  self->saving_key = TRUE;
  task = g_task_new (NULL, NULL, key_done, g_object_ref (self));
  g_task_set_source_tag (task, key_apply_cb);
  g_task_set_task_data (task, kj, (GDestroyNotify) key_job_free);
  g_task_run_in_thread (task, key_thread);
  update_actions (self);
}

/* ---- actions and state */

static void
update_actions (ArbJudgesPage *self)
{
  g_autofree char *model = row_text (self->model_row);
  g_autofree char *env = row_text (self->key_env_row);
  g_auto(GStrv) endpoints = collect_endpoints (self);
  gboolean busy = self->job != NULL || self->saving_key;
  gboolean ready = self->workspace != NULL &&
                   g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "form") == 0 &&
                   *model != '\0';
  gboolean urls_ok = check_endpoint_row (self->endpoint_row);

  for (guint i = 0; i < self->extra_endpoints->len; i++)
    urls_ok = check_endpoint_row (self->extra_endpoints->pdata[i]) && urls_ok;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "judges.estimate", !busy && ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "judges.run",
                                 !busy && ready && urls_ok && endpoints[0] != NULL &&
                                 (!env_mode (self) || *env != '\0'));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "judges.cancel", self->job != NULL);
}

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_open (task_data, &error);

  if (ws == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, arb_workspace_has_comparisons (ws));
}

static void
check_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ArbJudgesPage) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean any = g_task_propagate_boolean (G_TASK (result), &error);

  /* A newer check (or another workspace) superseded this one, or the page is gone. */
  if (g_task_get_cancellable (G_TASK (result)) != self->check_cancellable ||
      self->stack == NULL)
    return;
  g_clear_object (&self->check_cancellable);
  if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Could not read the workspace: %s"),
                                               error->message);

      adw_status_page_set_description (self->empty_page, text);
    }
  else
    adw_status_page_set_description (self->empty_page, _(EMPTY_DESCRIPTION));
  /* A run going on keeps its form, whatever happened to the workspace meanwhile. */
  if (any || self->job != NULL)
    gtk_stack_set_visible_child_name (self->stack, "form");
  else
    gtk_stack_set_visible_child_name (self->stack, "empty");
  update_actions (self);
}

/**
 * arb_judges_page_refresh:
 *
 * Shows the form, or the empty state when the workspace has no comparisons to judge. It asks
 * on a worker through a connection of its own, which sees what other processes (`arbiter-cli
 * plan`) wrote a moment ago.
 */
void
arb_judges_page_refresh (ArbJudgesPage *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (ARB_IS_JUDGES_PAGE (self));

  if (self->check_cancellable != NULL)
    g_cancellable_cancel (self->check_cancellable);
  g_clear_object (&self->check_cancellable);
  if (self->workspace == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      update_actions (self);
      return;
    }
  self->check_cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->check_cancellable, check_done, g_object_ref (self));
  g_task_set_source_tag (task, arb_judges_page_refresh);
  g_task_set_task_data (task, g_strdup (arb_workspace_get_path (self->workspace)), g_free);
  g_task_run_in_thread (task, check_thread);
}

void
arb_judges_page_set_workspace (ArbJudgesPage *self,
                               ArbWorkspace  *workspace)
{
  g_return_if_fail (ARB_IS_JUDGES_PAGE (self));
  g_return_if_fail (workspace == NULL || ARB_IS_WORKSPACE (workspace));

  if (g_set_object (&self->workspace, workspace))
    {
      /* Another workspace: what was running on the last one stops (its answers are kept). */
      if (self->job != NULL)
        {
          g_cancellable_cancel (self->job->cancellable);
          self->job->page = NULL;
          self->job = NULL;
        }
      arb_judge_result_clear (&self->result);
      self->have_result = FALSE;
      for (guint i = 0; i < N_ESTIMATES; i++)
        gtk_label_set_text (self->estimate_labels[i], "–");
      for (guint i = 0; i < N_COUNTS; i++)
        gtk_label_set_text (self->count_labels[i], "0");
      if (self->pulse_source != 0)
        {
          g_source_remove (self->pulse_source);
          self->pulse_source = 0;
        }
      gtk_progress_bar_set_fraction (self->progress_bar, 0);
      gtk_progress_bar_set_text (self->progress_bar, _("Not started"));
      dismiss_message_cb (self);
      fill_systems (self);
    }
  arb_judges_page_refresh (self);
}

gboolean
arb_judges_page_is_busy (ArbJudgesPage *self)
{
  g_return_val_if_fail (ARB_IS_JUDGES_PAGE (self), FALSE);
  return self->job != NULL || self->saving_key;
}

const ArbJudgeResult *
arb_judges_page_get_result (ArbJudgesPage *self)
{
  g_return_val_if_fail (ARB_IS_JUDGES_PAGE (self), NULL);
  return self->have_result ? &self->result : NULL;
}

static void
map_cb (ArbJudgesPage *self)
{
  /* Comparisons may have been planned or imported meanwhile. */
  arb_judges_page_refresh (self);
}

static void
arb_judges_page_dispose (GObject *object)
{
  ArbJudgesPage *self = ARB_JUDGES_PAGE (object);

  if (self->job != NULL)
    {
      g_cancellable_cancel (self->job->cancellable);
      self->job->page = NULL;
      self->job = NULL;
    }
  if (self->pulse_source != 0)
    {
      g_source_remove (self->pulse_source);
      self->pulse_source = 0;
    }
  if (self->check_cancellable != NULL)
    g_cancellable_cancel (self->check_cancellable);
  g_clear_object (&self->check_cancellable);
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), ARB_TYPE_JUDGES_PAGE);
  g_clear_object (&self->workspace);
  g_clear_object (&self->template_model);
  G_OBJECT_CLASS (arb_judges_page_parent_class)->dispose (object);
}

static void
arb_judges_page_finalize (GObject *object)
{
  ArbJudgesPage *self = ARB_JUDGES_PAGE (object);

  g_clear_pointer (&self->extra_endpoints, g_ptr_array_unref);
  g_clear_pointer (&self->template_values, g_ptr_array_unref);
  arb_judge_result_clear (&self->result);
  G_OBJECT_CLASS (arb_judges_page_parent_class)->finalize (object);
}

static void
arb_judges_page_class_init (ArbJudgesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = arb_judges_page_dispose;
  object_class->finalize = arb_judges_page_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "arb-judges-page");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/arbiter/Arbiter/arb-judges-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, message_revealer);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, message_box);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, message_icon);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, endpoints_group);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, endpoint_row);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, key_source_row);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, key_row);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, key_env_row);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, model_row);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, template_row);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, rater_row);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, orders_row);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, samples_spin);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, reparse_switch);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, systems_row);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, systems_box);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, concurrency_spin);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, rpm_spin);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, tpm_spin);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, price_input_spin);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, price_output_spin);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, max_cost_spin);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, timeout_spin);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, attempts_spin);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, estimate_group);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, counts_box);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, ArbJudgesPage, cancel_button);
  gtk_widget_class_bind_template_callback (widget_class, dismiss_message_cb);
  gtk_widget_class_bind_template_callback (widget_class, key_apply_cb);

  gtk_widget_class_install_action (widget_class, "judges.estimate", NULL, estimate_action);
  gtk_widget_class_install_action (widget_class, "judges.run", NULL, run_action);
  gtk_widget_class_install_action (widget_class, "judges.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "judges.add-endpoint", NULL,
                                   add_endpoint_action);
  /* The page's own keys: they act only while the focus is inside it. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "judges.cancel", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "judges.run", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK,
                                       "judges.estimate", NULL);
}

static void
arb_judges_page_init (ArbJudgesPage *self)
{
  GtkWidget *editables[4];

  gtk_widget_init_template (GTK_WIDGET (self));

  self->extra_endpoints = g_ptr_array_new ();
  self->template_values = g_ptr_array_new_with_free_func (g_free);
  self->template_model = gtk_string_list_new (NULL);

  for (guint i = 0; i < N_ESTIMATES; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *value = gtk_label_new ("–");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(estimate_rows[i].title));
      if (estimate_rows[i].subtitle != NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _(estimate_rows[i].subtitle));
      gtk_widget_set_name (value, estimate_rows[i].name);
      gtk_widget_add_css_class (value, "numeric");
      gtk_label_set_selectable (GTK_LABEL (value), TRUE);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), value);
      adw_preferences_group_add (self->estimate_group, row);
      self->estimate_labels[i] = GTK_LABEL (value);
    }
  for (guint i = 0; i < N_COUNTS; i++)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *value = gtk_label_new ("0");
      GtkWidget *caption = gtk_label_new (_(count_tiles[i].caption));

      gtk_widget_add_css_class (box, "card");
      gtk_widget_add_css_class (box, "arb-count");
      gtk_widget_add_css_class (value, "title-2");
      gtk_widget_add_css_class (value, "numeric");
      gtk_widget_add_css_class (caption, "dim-label");
      gtk_widget_set_name (value, count_tiles[i].name);
      gtk_box_append (GTK_BOX (box), value);
      gtk_box_append (GTK_BOX (box), caption);
      gtk_flow_box_append (self->counts_box, box);
      self->count_labels[i] = GTK_LABEL (value);
    }

  editables[0] = GTK_WIDGET (self->endpoint_row);
  editables[1] = GTK_WIDGET (self->model_row);
  editables[2] = GTK_WIDGET (self->key_env_row);
  editables[3] = GTK_WIDGET (self->rater_row);
  for (guint i = 0; i < G_N_ELEMENTS (editables); i++)
    g_signal_connect_object (editables[i], "changed", G_CALLBACK (form_changed_cb), self,
                             G_CONNECT_SWAPPED);
  g_signal_connect_object (self->key_source_row, "notify::selected",
                           G_CALLBACK (key_source_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->template_row, "notify::selected",
                           G_CALLBACK (template_selected_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect (self, "map", G_CALLBACK (map_cb), NULL);

  list_templates (self);
  gtk_stack_set_visible_child_name (self->stack, "empty");
  update_actions (self);
}
