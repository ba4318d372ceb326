/* arb-export-page.c: training data from the workspace, with a live preview
 *
 * The same export as `arbiter-cli export` (db/arb-export.c): every change of a choice runs it
 * again, 300 ms later, as a preview (ArbExportOptions.preview_records: the same rules and
 * counts, only the first records made, nothing written) on a worker with its own connection,
 * and shows how many comparisons each rule kept and dropped, the first records and how long
 * the count took; a newer preview cancels the one still running. *Export…* writes it where the
 * person says.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "arb-export.h"
#include "arb-export-page.h"
#include "arb-window.h"

#define PREVIEW_RECORDS 5
#define PREVIEW_CHARS   600

struct _ArbExportPage
{
  GtkWidget       parent_instance;

  AdwComboRow    *format_row;
  AdwComboRow    *policy_row;
  GtkSwitch      *ties_switch;
  GtkSwitch      *all_raters_switch;
  GtkSwitch      *conversational_switch;
  GtkSwitch      *implicit_switch;
  AdwComboRow    *neutral_row;
  AdwComboRow    *after_error_row;
  AdwEntryRow    *tokenizer_row;
  AdwComboRow    *overlap_row;
  GtkSpinButton  *split_spin;
  GtkLabel       *summary_label;
  GtkSpinner     *spinner;
  GtkLabel       *status_label;
  GtkTextView    *preview_view;

  ArbWorkspace   *workspace;
  GCancellable   *cancellable;
  guint           timeout;
  char           *summary;     /* of the last preview, for tests */
  char           *preview;
};

G_DEFINE_FINAL_TYPE (ArbExportPage, arb_export_page, GTK_TYPE_WIDGET)

ArbExportPage *
arb_export_page_new (void)
{
  return g_object_new (ARB_TYPE_EXPORT_PAGE, NULL);
}

typedef struct
{
  char             *workspace;
  char             *path;       /* NULL: a preview, in memory */
  ArbExportOptions  options;
  char             *summary;
  char             *preview;
  char             *written;
  char             *command;    /* the arbiter-cli command that does the same, for the card */
  char             *tokenizer;  /* options.tokenizer's own copy */
  gint64            started;    /* monotonic µs */
  gint64            seconds_us; /* how long the worker took */
} Job;

static void
job_free (Job *job)
{
  g_free (job->workspace);
  g_free (job->path);
  g_free (job->summary);
  g_free (job->preview);
  g_free (job->written);
  g_free (job->command);
  g_free (job->tokenizer);
  g_free (job);
}

/* The format chooser's order (arb-export-page.ui). */
static const ArbExportFormat formats[] = {
  ARB_EXPORT_TRL_PREFERENCE, ARB_EXPORT_TRL_KTO, ARB_EXPORT_TRL_STEPWISE, ARB_EXPORT_OPENRLHF,
  ARB_EXPORT_TOKEN_LEVEL, ARB_EXPORT_VERDICTS_JSONL, ARB_EXPORT_VERDICTS_CSV,
};

/* Only the choices of the chosen format are sensitive: the export refuses the others. */
static void
options_from_form (ArbExportPage    *self,
                   ArbExportOptions *o)
{
  static const ArbExportPolicy policies[] = {
    ARB_EXPORT_POLICY_MAJORITY, ARB_EXPORT_POLICY_MEAN, ARB_EXPORT_POLICY_UNANIMOUS,
    ARB_EXPORT_POLICY_SINGLE,
  };
  static const ArbExportNeutral neutrals[] = {
    ARB_EXPORT_NEUTRAL_GOOD, ARB_EXPORT_NEUTRAL_BAD, ARB_EXPORT_NEUTRAL_DROP,
  };
  static const ArbExportAfterError afters[] = {
    ARB_EXPORT_AFTER_ERROR_DROP, ARB_EXPORT_AFTER_ERROR_BAD,
  };
  static const ArbExportOverlap overlaps[] = {
    ARB_EXPORT_OVERLAP_ANY, ARB_EXPORT_OVERLAP_MAJORITY, ARB_EXPORT_OVERLAP_ALL,
  };
  guint f = MIN (adw_combo_row_get_selected (self->format_row), G_N_ELEMENTS (formats) - 1);
  guint p = MIN (adw_combo_row_get_selected (self->policy_row), G_N_ELEMENTS (policies) - 1);
  guint ne = MIN (adw_combo_row_get_selected (self->neutral_row), G_N_ELEMENTS (neutrals) - 1);
  guint ae = MIN (adw_combo_row_get_selected (self->after_error_row), G_N_ELEMENTS (afters) - 1);
  guint ov = MIN (adw_combo_row_get_selected (self->overlap_row), G_N_ELEMENTS (overlaps) - 1);
  const char *tokenizer = gtk_editable_get_text (GTK_EDITABLE (self->tokenizer_row));
  double split = gtk_spin_button_get_value (self->split_spin);
  gboolean pairs = arb_export_format_is_pairwise (formats[f]);
  gboolean steps = formats[f] == ARB_EXPORT_TRL_STEPWISE;
  gboolean tokens = formats[f] == ARB_EXPORT_TOKEN_LEVEL;
  gboolean verdicts = !pairs && !steps && !tokens;

  arb_export_options_init (o);
  o->format = formats[f];
  o->all_raters = gtk_switch_get_active (self->all_raters_switch);
  /* The verdict and token-level formats take no policy: every verdict or span is listed. */
  if (pairs || steps)
    o->policy = policies[p];
  if (pairs)
    o->keep_ties = gtk_switch_get_active (self->ties_switch) && formats[f] != ARB_EXPORT_TRL_KTO;
  if (!verdicts)
    o->conversational = gtk_switch_get_active (self->conversational_switch);
  if (formats[f] == ARB_EXPORT_TRL_PREFERENCE)
    o->implicit_prompt = gtk_switch_get_active (self->implicit_switch);
  if (steps)
    {
      o->neutral = neutrals[ne];
      o->after_error = afters[ae];
    }
  if (tokens && tokenizer != NULL && *tokenizer != '\0')
    {
      /* The job keeps a copy (job_take_strings): the entry's text changes under it. */
      o->tokenizer = tokenizer;
      o->overlap = overlaps[ov];
    }
  if (split > 0)
    {
      o->split_name = "test";
      o->split_fraction = split;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->policy_row), pairs || steps);
  gtk_widget_set_sensitive (GTK_WIDGET (self->ties_switch), pairs && formats[f] != ARB_EXPORT_TRL_KTO);
  gtk_widget_set_sensitive (GTK_WIDGET (self->conversational_switch), !verdicts);
  gtk_widget_set_sensitive (GTK_WIDGET (self->implicit_switch),
                            formats[f] == ARB_EXPORT_TRL_PREFERENCE);
  gtk_widget_set_visible (GTK_WIDGET (self->neutral_row), steps);
  gtk_widget_set_visible (GTK_WIDGET (self->after_error_row), steps);
  gtk_widget_set_visible (GTK_WIDGET (self->tokenizer_row), tokens);
  gtk_widget_set_visible (GTK_WIDGET (self->overlap_row), tokens);
  gtk_widget_set_sensitive (GTK_WIDGET (self->overlap_row), tokens && o->tokenizer != NULL);
}

static char *
summary_text (const ArbExportOptions *o,
              const ArbExportResult  *r)
{
  if (o->format == ARB_EXPORT_TRL_STEPWISE)
    /* Translators: what each rule of a step-wise export kept and dropped */
    return g_strdup_printf (_("%" G_GINT64_FORMAT " rows from %" G_GINT64_FORMAT " generations "
                              "with step labels: %" G_GINT64_FORMAT " steps good, %"
                              G_GINT64_FORMAT " bad (%" G_GINT64_FORMAT " neutral met). Left out: %"
                              G_GINT64_FORMAT " steps after the first error, %" G_GINT64_FORMAT
                              " from an unlabelled step, %" G_GINT64_FORMAT " from an undecided "
                              "one, %" G_GINT64_FORMAT " from a neutral one; %" G_GINT64_FORMAT
                              " generations without steps or a first step, %" G_GINT64_FORMAT
                              " duplicates."),
                            r->rows, r->considered, r->labels_true, r->labels_false, r->neutral,
                            r->cut_error, r->cut_unlabelled, r->cut_disputed, r->cut_neutral,
                            r->no_steps + r->empty + r->not_text, r->duplicates);
  if (o->format == ARB_EXPORT_TOKEN_LEVEL)
    {
      g_autofree char *tokens = o->tokenizer == NULL ? g_strdup (_("No tokenizer named."))
        : g_strdup_printf (_("%" G_GINT64_FORMAT " rows with tokens (%" G_GINT64_FORMAT
                             " tokens, %" G_GINT64_FORMAT " inside a span), %" G_GINT64_FORMAT
                             " without a tokenization."), r->tokenized, r->tokens,
                           r->tokens_in_span, r->untokenized);

      /* Translators: what a token-level export wrote */
      return g_strdup_printf (_("%" G_GINT64_FORMAT " rows from %" G_GINT64_FORMAT " generations "
                                "with spans, %" G_GINT64_FORMAT " spans. %s"),
                              r->rows, r->considered, r->spans, tokens);
    }
  /* Translators: what each rule of an export kept and dropped */
  return g_strdup_printf (_("%" G_GINT64_FORMAT " rows from %" G_GINT64_FORMAT " comparisons "
                            "(%" G_GINT64_FORMAT " decided by an adjudicator). Dropped: %"
                            G_GINT64_FORMAT " flagged, %" G_GINT64_FORMAT " not text, %"
                            G_GINT64_FORMAT " multi-turn, %" G_GINT64_FORMAT " disagreeing, %"
                            G_GINT64_FORMAT " ties, %" G_GINT64_FORMAT " with equal texts, %"
                            G_GINT64_FORMAT " duplicates."),
                          r->rows, r->considered, r->adjudicated, r->flagged, r->not_text,
                          r->multi_turn, r->disagreement + r->low_agreement, r->ties,
                          r->same_text, r->duplicates);
}

static void
job_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_open (job->workspace, &error);
  g_autoptr(ArbExportResult) r = NULL;

  if (ws == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (job->path == NULL)
    job->options.preview_records = PREVIEW_RECORDS;
  r = arb_workspace_export (ws, job->path, &job->options, cancellable, &error);
  job->seconds_us = g_get_monotonic_time () - job->started;
  if (r != NULL)
    {
      job->summary = summary_text (&job->options, r);
      if (job->path == NULL)
        job->preview = g_steal_pointer (&r->preview);
      else if (r->files->len > 0)
        job->written = g_strdup (r->files->pdata[0]);
    }
  if (r == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
preview_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ArbExportPage) self = user_data;
  Job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_task_get_cancellable (G_TASK (result)) != self->cancellable)
    return;
  g_clear_object (&self->cancellable);
  gtk_spinner_stop (self->spinner);
  {
    g_autofree char *took = NULL;

    /* Translators: how long the preview took to count, e.g. "Counted in 0.42 s" */
    took = g_strdup_printf (_("Counted in %.2f s"), job->seconds_us / 1e6);
    gtk_label_set_text (self->status_label, took);
  }
  g_free (self->summary);
  g_free (self->preview);
  self->summary = error ? g_strdup_printf (_("Nothing to export: %s"), error->message)
                        : g_steal_pointer (&job->summary);
  self->preview = error ? g_strdup ("") : g_steal_pointer (&job->preview);
  gtk_label_set_text (self->summary_label, self->summary);
  {
    /* Shown cut, kept whole (a record can be a long conversation). */
    g_auto(GStrv) lines = g_strsplit (self->preview ? self->preview : "", "\n", -1);
    g_autoptr(GString) shown = g_string_new (NULL);

    for (guint i = 0; lines[i] != NULL && *lines[i] != '\0'; i++)
      {
        if (g_utf8_strlen (lines[i], -1) > PREVIEW_CHARS)
          {
            g_autofree char *cut = g_utf8_substring (lines[i], 0, PREVIEW_CHARS);

            g_string_append_printf (shown, "%s …\n\n", cut);
          }
        else
          g_string_append_printf (shown, "%s\n\n", lines[i]);
      }
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->preview_view), shown->str, -1);
  }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "export.save", error == NULL);
}

static void
start (ArbExportPage *self,
       const char    *path)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  if (self->workspace == NULL)
    return;
  job = g_new0 (Job, 1);
  job->workspace = g_strdup (arb_workspace_get_path (self->workspace));
  job->path = g_strdup (path);
  options_from_form (self, &job->options);
  job->tokenizer = g_strdup (job->options.tokenizer);
  job->options.tokenizer = job->tokenizer;
  if (path == NULL)
    {
      if (self->cancellable != NULL)
        g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
      gtk_spinner_start (self->spinner);
      gtk_label_set_text (self->status_label, _("Counting…"));
      task = g_task_new (NULL, self->cancellable, preview_done, g_object_ref (self));
    }
  else
    task = g_task_new (NULL, NULL, NULL, NULL);
  job->started = g_get_monotonic_time ();
  g_task_set_source_tag (task, start);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, job_thread);
}

static void
save_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ArbExportPage) self = user_data;
  Job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *text = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    text = g_strdup_printf (_("Nothing exported: %s"), error->message);
  else
    text = g_strdup_printf (_("Exported to %s. %s"), job->written ? job->written : job->path,
                            job->summary);
  g_free (self->summary);
  self->summary = g_strdup (text);
  if (ARB_IS_WINDOW (root))
    arb_window_toast (ARB_WINDOW (root), text);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "export.save", TRUE);
}

/**
 * arb_export_page_export_to:
 *
 * Writes the export with the page's choices to @path (and its card beside it) on a worker;
 * the window's toast says what was written. What *Export…* does after asking where.
 */
void
arb_export_page_export_to (ArbExportPage *self,
                           const char    *path)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (ARB_IS_EXPORT_PAGE (self));
  if (self->workspace == NULL)
    return;
  job = g_new0 (Job, 1);
  job->workspace = g_strdup (arb_workspace_get_path (self->workspace));
  job->path = g_strdup (path);
  options_from_form (self, &job->options);
  job->tokenizer = g_strdup (job->options.tokenizer);
  job->options.tokenizer = job->tokenizer;
  {
    GString *cmd = g_string_new ("arbiter-cli export");
    g_autofree char *ws_q = g_shell_quote (job->workspace);
    g_autofree char *path_q = g_shell_quote (path);

    g_string_append_printf (cmd, " %s --format %s -o %s", ws_q,
                            arb_export_format_to_string (job->options.format), path_q);
    if (arb_export_format_is_pairwise (job->options.format) ||
        job->options.format == ARB_EXPORT_TRL_STEPWISE)
      g_string_append_printf (cmd, " --policy %s",
                              arb_export_policy_to_string (job->options.policy));
    if (job->options.format == ARB_EXPORT_TRL_STEPWISE)
      g_string_append_printf (cmd, " --neutral %s --after-error %s",
                              (const char *[]) { "good", "bad", "drop" }[job->options.neutral],
                              (const char *[]) { "drop", "bad" }[job->options.after_error]);
    if (job->options.tokenizer != NULL)
      {
        g_autofree char *tok_q = g_shell_quote (job->options.tokenizer);

        g_string_append_printf (cmd, " --tokenizer %s --overlap %s", tok_q,
                                (const char *[]) { "any", "majority", "all" }[job->options.overlap]);
      }
    if (job->options.implicit_prompt)
      g_string_append (cmd, " --implicit-prompt");
    if (job->options.keep_ties)
      g_string_append (cmd, " --ties keep");
    if (job->options.all_raters)
      g_string_append (cmd, " --all-raters");
    if (job->options.conversational)
      g_string_append (cmd, " --conversational");
    if (job->options.split_name != NULL)
      {
        char frac[G_ASCII_DTOSTR_BUF_SIZE];

        g_string_append_printf (cmd, " --split test=%s",
                                g_ascii_formatd (frac, sizeof frac, "%g",
                                                 job->options.split_fraction));
      }
    job->command = g_string_free (cmd, FALSE);
    job->options.command = job->command;
  }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "export.save", FALSE);
  job->started = g_get_monotonic_time ();
  task = g_task_new (NULL, NULL, save_done, g_object_ref (self));
  g_task_set_source_tag (task, arb_export_page_export_to);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, job_thread);
}

static void
save_response (GtkNativeDialog *dialog,
               int              response,
               ArbExportPage   *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        arb_export_page_export_to (self, path);
    }
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
save_action (GtkWidget  *widget,
             const char *action,
             GVariant   *param)
{
  ArbExportPage *self = ARB_EXPORT_PAGE (widget);
  GtkFileChooserNative *dialog;
  ArbExportOptions o;
  g_autofree char *name = NULL;

  options_from_form (self, &o);
  name = g_strdup_printf ("%s.%s", arb_export_format_to_string (o.format),
                          o.format == ARB_EXPORT_VERDICTS_CSV ? "csv" : "jsonl");
  dialog = gtk_file_chooser_native_new (_("Export Training Data"),
                                        GTK_WINDOW (gtk_widget_get_root (widget)),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                        _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (save_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static gboolean
refresh_timeout (gpointer data)
{
  ArbExportPage *self = data;

  self->timeout = 0;
  start (self, NULL);
  return G_SOURCE_REMOVE;
}

static void
form_changed_cb (ArbExportPage *self)
{
  ArbExportOptions o;

  /* The rows of the chosen format show now, the preview follows */
  options_from_form (self, &o);
  if (self->timeout != 0)
    g_source_remove (self->timeout);
  self->timeout = g_timeout_add (300, refresh_timeout, self);
}

/**
 * arb_export_page_refresh:
 *
 * Runs the preview again now.
 */
void
arb_export_page_refresh (ArbExportPage *self)
{
  g_return_if_fail (ARB_IS_EXPORT_PAGE (self));
  if (self->timeout != 0)
    g_source_remove (self->timeout);
  self->timeout = 0;
  start (self, NULL);
}

void
arb_export_page_set_workspace (ArbExportPage *self,
                               ArbWorkspace  *workspace)
{
  g_return_if_fail (ARB_IS_EXPORT_PAGE (self));
  if (g_set_object (&self->workspace, workspace) && gtk_widget_get_mapped (GTK_WIDGET (self)))
    arb_export_page_refresh (self);
}

gboolean
arb_export_page_is_busy (ArbExportPage *self)
{
  return self->cancellable != NULL || self->timeout != 0;
}

const char *
arb_export_page_get_summary (ArbExportPage *self)
{
  return self->summary;
}

const char *
arb_export_page_get_preview (ArbExportPage *self)
{
  return self->preview;
}

static void
arb_export_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (arb_export_page_parent_class)->map (widget);
  arb_export_page_refresh (ARB_EXPORT_PAGE (widget));
}

static void
arb_export_page_dispose (GObject *object)
{
  ArbExportPage *self = ARB_EXPORT_PAGE (object);

  if (self->timeout != 0)
    g_source_remove (self->timeout);
  self->timeout = 0;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), ARB_TYPE_EXPORT_PAGE);
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }
  g_clear_object (&self->workspace);
  G_OBJECT_CLASS (arb_export_page_parent_class)->dispose (object);
}

static void
arb_export_page_finalize (GObject *object)
{
  ArbExportPage *self = ARB_EXPORT_PAGE (object);

  g_free (self->summary);
  g_free (self->preview);
  G_OBJECT_CLASS (arb_export_page_parent_class)->finalize (object);
}

static void
arb_export_page_class_init (ArbExportPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = arb_export_page_dispose;
  object_class->finalize = arb_export_page_finalize;
  widget_class->map = arb_export_page_map;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/arbiter/Arbiter/arb-export-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ArbExportPage, format_row);
  gtk_widget_class_bind_template_child (widget_class, ArbExportPage, policy_row);
  gtk_widget_class_bind_template_child (widget_class, ArbExportPage, ties_switch);
  gtk_widget_class_bind_template_child (widget_class, ArbExportPage, all_raters_switch);
  gtk_widget_class_bind_template_child (widget_class, ArbExportPage, conversational_switch);
  gtk_widget_class_bind_template_child (widget_class, ArbExportPage, implicit_switch);
  gtk_widget_class_bind_template_child (widget_class, ArbExportPage, neutral_row);
  gtk_widget_class_bind_template_child (widget_class, ArbExportPage, after_error_row);
  gtk_widget_class_bind_template_child (widget_class, ArbExportPage, tokenizer_row);
  gtk_widget_class_bind_template_child (widget_class, ArbExportPage, overlap_row);
  gtk_widget_class_bind_template_child (widget_class, ArbExportPage, split_spin);
  gtk_widget_class_bind_template_child (widget_class, ArbExportPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, ArbExportPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, ArbExportPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, ArbExportPage, preview_view);
  gtk_widget_class_install_action (widget_class, "export.save", NULL, save_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
arb_export_page_init (ArbExportPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_object (self->format_row, "notify::selected", G_CALLBACK (form_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->policy_row, "notify::selected", G_CALLBACK (form_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->ties_switch, "notify::active", G_CALLBACK (form_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->all_raters_switch, "notify::active",
                           G_CALLBACK (form_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->conversational_switch, "notify::active",
                           G_CALLBACK (form_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->split_spin, "value-changed", G_CALLBACK (form_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->implicit_switch, "notify::active",
                           G_CALLBACK (form_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->neutral_row, "notify::selected", G_CALLBACK (form_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->after_error_row, "notify::selected",
                           G_CALLBACK (form_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->tokenizer_row, "changed", G_CALLBACK (form_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->overlap_row, "notify::selected", G_CALLBACK (form_changed_cb),
                           self, G_CONNECT_SWAPPED);
}
