/* arb-pack-dialogs.c: Export Pack… and Merge Pack… from the window
 *
 * A pack is a small workspace of one annotator's next items (db/arb-pack.c): written for them
 * to label on their own machine, merged back by UUID when it returns. Both run on a worker
 * thread with its own connection; the window's progress bar follows each step, a toast says what
 * was done (or why not), and the overview lists the packs out.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "arb-pack.h"
#include "arb-pack-dialogs.h"

typedef struct
{
  char            *workspace;
  char            *pack;
  char            *rater;
  guint            count;
  ArbPackOutResult out;
  ArbPackInResult  in;
  GWeakRef         window;
} PackJob;

typedef struct
{
  ArbWindow *window;   /* (owned) (nullable) */
  char     *text;
  double    fraction;
} ProgressUpdate;

static gboolean
show_progress (gpointer data)
{
  ProgressUpdate *u = data;
  /* The pack's own toast has the last word: a step that arrives after it is dropped. */
  if (u->window != NULL && g_object_get_data (G_OBJECT (u->window), "arb-pack-busy") != NULL)
    arb_window_set_task_progress (u->window, u->text, u->fraction);
  g_clear_object (&u->window);
  g_free (u->text);
  g_free (u);
  return G_SOURCE_REMOVE;
}

/* On the worker: hands the step to the main loop. */
static void
pack_progress (guint        step,
               guint        n_steps,
               const char  *what,
               gpointer     data)
{
  PackJob *job = data;
  ProgressUpdate *u = g_new0 (ProgressUpdate, 1);
  g_autofree char *base = g_path_get_basename (job->pack);

  u->window = g_weak_ref_get (&job->window);
  /* Translators: the pack's file name, then what is being done (e.g. "Merging verdicts") */
  u->text = g_strdup_printf (job->rater != NULL ? _("Writing %s: %s") : _("Merging %s: %s"),
                             base, what);
  u->fraction = n_steps > 0 ? (double) step / n_steps : 0;
  g_main_context_invoke (NULL, show_progress, u);
}

static void
pack_job_free (PackJob *job)
{
  g_weak_ref_clear (&job->window);
  g_free (job->workspace);
  g_free (job->pack);
  g_free (job->rater);
  g_free (job);
}

static void
pack_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  PackJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_open (job->workspace, &error);
  gboolean ok;

  if (ws == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (job->rater != NULL)
    ok = arb_workspace_pack_out_full (ws, job->rater, job->count, 0, job->pack, pack_progress,
                                      job, &job->out, &error);
  else
    ok = arb_workspace_pack_in_full (ws, job->pack, pack_progress, job, &job->in, &error);
  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
pack_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ArbWindow) window = user_data;
  PackJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *base = g_path_get_basename (job->pack);
  g_autofree char *text = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    text = job->rater != NULL
           ? g_strdup_printf (_("No pack written: %s"), error->message)
           : g_strdup_printf (_("Nothing merged from %s: %s"), base, error->message);
  else if (job->rater != NULL)
    text = g_strdup_printf (ngettext ("Wrote %s for %s: %lld comparison, leased until %s",
                                      "Wrote %s for %s: %lld comparisons, leased until %s",
                                      job->out.comparisons),
                            base, job->rater, (long long) job->out.comparisons, job->out.expires);
  else
    text = g_strdup_printf (_("Merged %s of %s: %lld verdicts added, %lld already there, %lld "
                              "replaced by later ones, %lld spans and step labels"),
                            base, job->in.rater, (long long) job->in.verdicts,
                            (long long) job->in.verdicts_present, (long long) job->in.superseded,
                            (long long) job->in.spans);
  arb_window_set_task_progress (window, NULL, -1);
  arb_window_toast (window, text);
  /* The overview lists the packs and the counts changed. */
  arb_window_workspace_settings_changed (window);
  g_object_set_data (G_OBJECT (window), "arb-pack-busy", NULL);
}

/**
 * arb_pack_run:
 * @window: the window, whose workspace is the origin
 * @rater: (nullable): the annotator to write a pack for, or %NULL to merge @pack
 * @count: how many comparisons (pack out)
 * @pack: the pack's file
 *
 * Writes or merges a pack on a worker thread; the window tells what came of it in a toast.
 */
void
arb_pack_run (ArbWindow  *window,
              const char *rater,
              guint       count,
              const char *pack)
{
  ArbWorkspace *ws = arb_window_get_workspace (window);
  g_autoptr(GTask) task = NULL;
  PackJob *job;

  g_return_if_fail (ws != NULL);
  job = g_new0 (PackJob, 1);
  job->workspace = g_strdup (arb_workspace_get_path (ws));
  job->pack = g_strdup (pack);
  job->rater = g_strdup (rater);
  job->count = count;
  g_weak_ref_init (&job->window, window);
  g_object_set_data (G_OBJECT (window), "arb-pack-busy", GINT_TO_POINTER (1));
  arb_window_toast (window, rater != NULL ? _("Writing the pack…") : _("Merging the pack…"));
  task = g_task_new (NULL, NULL, pack_done, g_object_ref (window));
  g_task_set_source_tag (task, arb_pack_run);
  g_task_set_task_data (task, job, (GDestroyNotify) pack_job_free);
  g_task_run_in_thread (task, pack_thread);
}

gboolean
arb_pack_is_busy (ArbWindow *window)
{
  return g_object_get_data (G_OBJECT (window), "arb-pack-busy") != NULL;
}

/* ---- Export Pack…: who and how many, then where */

typedef struct
{
  ArbWindow *window;
  GtkWidget *rater;
  GtkWidget *count;
} ExportForm;

static void
export_form_free (ExportForm *form)
{
  g_object_unref (form->window);
  g_free (form);
}

static void
save_response (GtkNativeDialog *dialog,
               int              response,
               gpointer         user_data)
{
  ArbWindow *window = g_object_get_data (G_OBJECT (dialog), "window");
  const char *rater = g_object_get_data (G_OBJECT (dialog), "rater");
  guint count = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (dialog), "count"));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        arb_pack_run (window, rater, count, path);
    }
  g_object_unref (dialog);
}

static void
export_form_response (AdwMessageDialog *dialog,
                      const char       *response,
                      ExportForm       *form)
{
  const char *rater = gtk_editable_get_text (GTK_EDITABLE (form->rater));
  guint count = (guint) gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (form->count));
  g_autofree char *name = NULL;
  GtkFileChooserNative *chooser;

  if (g_strcmp0 (response, "export") != 0 || *rater == '\0')
    return;
  name = g_strdup_printf ("%s.arbiter", rater);
  g_strdelimit (name, "/\\:", '-');
  chooser = gtk_file_chooser_native_new (_("Save the Pack"), GTK_WINDOW (form->window),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_object_set_data_full (G_OBJECT (chooser), "window", g_object_ref (form->window),
                          g_object_unref);
  g_object_set_data_full (G_OBJECT (chooser), "rater", g_strdup (rater), g_free);
  g_object_set_data (G_OBJECT (chooser), "count", GUINT_TO_POINTER (count));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (save_response), NULL);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
rater_changed (GtkEditable      *entry,
               AdwMessageDialog *dialog)
{
  adw_message_dialog_set_response_enabled (dialog, "export",
                                           *gtk_editable_get_text (entry) != '\0');
}

/**
 * arb_pack_export_dialog:
 *
 * Asks for the annotator and the number of comparisons, then where to save the pack.
 *
 * Returns: (transfer none): the dialog
 */
GtkWindow *
arb_pack_export_dialog (ArbWindow *window)
{
  GtkWidget *dialog, *box, *label;
  ExportForm *form = g_new0 (ExportForm, 1);

  form->window = g_object_ref (window);
  dialog = adw_message_dialog_new (GTK_WINDOW (window), _("Export a Label Pack"),
                                   _("A pack holds the next comparisons the queue would give this "
                                     "annotator, leased to them until it comes back; they label "
                                     "it with Arbiter on their own machine and Merge Label Pack… brings "
                                     "the labels back. It shows no one else's verdicts and no "
                                     "gold labels."));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  label = gtk_label_new_with_mnemonic (_("_Annotator"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  form->rater = gtk_entry_new ();
  gtk_widget_set_name (form->rater, "pack-rater");
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), form->rater);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), form->rater);
  label = gtk_label_new_with_mnemonic (_("_Comparisons"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  form->count = gtk_spin_button_new_with_range (1, 100000, 10);
  gtk_widget_set_name (form->count, "pack-count");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (form->count), ARB_PACK_DEFAULT_COUNT);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), form->count);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), form->count);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "export", _("_Export…"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "export",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "export");
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "export", FALSE);
  g_signal_connect (form->rater, "changed", G_CALLBACK (rater_changed), dialog);
  g_signal_connect_data (dialog, "response", G_CALLBACK (export_form_response), form,
                         (GClosureNotify) (void (*) (void)) export_form_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}

/* ---- Merge Pack… */

static void
open_response (GtkNativeDialog *dialog,
               int              response,
               gpointer         user_data)
{
  ArbWindow *window = g_object_get_data (G_OBJECT (dialog), "window");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        arb_pack_run (window, NULL, 0, path);
    }
  g_object_unref (dialog);
}

void
arb_pack_merge_dialog (ArbWindow *window)
{
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (_("Merge a Label Pack"), GTK_WINDOW (window),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Merge"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Arbiter workspaces and packs"));
  gtk_file_filter_add_suffix (filter, "arbiter");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_set_data_full (G_OBJECT (chooser), "window", g_object_ref (window), g_object_unref);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (open_response), NULL);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
