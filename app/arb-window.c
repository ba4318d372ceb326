/* arb-window.c: the main window: a workspace, its pages, imports
 *
 * The window shows either the welcome page (no workspace open: New, Open, recent workspaces) or
 * the workspace: a sidebar of pages (AdwLeaflet + GtkStackSidebar) and the page. Imports run on
 * a worker thread with its own SQLite connection (GTask), never on the main loop; the main loop
 * polls their progress ten times a second and shows it in a progress bar.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <glib/gstdio.h>

#include "arb-compare-page.h"
#include "arb-import.h"
#include "arb-overview-page.h"
#include "arb-dashboard-page.h"
#include "arb-export-page.h"
#include "arb-pack-dialogs.h"
#include "arb-tokenize-dialog.h"
#include "arb-judges-page.h"
#include "arb-review-page.h"
#include "arb-spans-page.h"
#include "arb-steps-page.h"
#include "arb-window.h"

struct _ArbWindow
{
  AdwApplicationWindow  parent_instance;

  /* template children */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;
  AdwLeaflet           *leaflet;
  GtkWidget            *content;
  AdwWindowTitle       *window_title;
  GtkStack             *pages;
  GtkRevealer          *progress_revealer;
  GtkLabel             *progress_label;
  GtkProgressBar       *progress_bar;
  GtkWidget            *progress_cancel;
  AdwPreferencesGroup  *recent_group;
  GtkListBox           *recent_list;

  ArbOverviewPage      *overview;
  ArbComparePage       *compare;
  ArbReviewPage        *review;
  ArbSpansPage         *spans;
  ArbStepsPage         *steps;
  ArbDashboardPage     *dashboard;
  GtkWidget            *review_slot;    /* the stack's children for the pages made when first */
  GtkWidget            *dashboard_slot; /* shown (or asked for): a window starts faster */
  GtkWidget            *judges_slot;
  GtkWidget            *spans_slot;
  GtkWidget            *steps_slot;
  gboolean              marking_spans;
  GtkWidget            *export_slot;
  ArbExportPage        *export_page;
  ArbJudgesPage        *judges;
  ArbWorkspace         *workspace;
  GSettings            *settings;
  GPtrArray            *recent_rows;

  /* the running import, if any */
  struct ImportJob     *job;
  GCancellable         *import_cancellable;
  guint                 progress_source;
  guint                 checkpoint_source;
  gboolean              checkpointing;

  char                 *last_toast;
  char                 *last_report;
  AdwToast             *sticky_toast;   /* an error toast that stays until dismissed */
  AdwToast             *latest_toast;
};

G_DEFINE_FINAL_TYPE (ArbWindow, arb_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_WORKSPACE,
  PROP_IMPORTING,
  N_PROPS
};

enum {
  IMPORT_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- the import job, shared between the worker and the main thread */

typedef struct ImportJob
{
  gatomicrefcount  ref;
  GApplication    *app;            /* held while the job runs */
  char            *workspace_path;
  GPtrArray       *paths;          /* (element-type filename) */
  guint64          bytes_total;    /* all files */

  GMutex           lock;           /* guards the fields below */
  guint            file_index;
  guint64          bytes_before;   /* bytes of the files done before file_index */
  guint64          bytes_done;     /* of the current file */
  guint64          records;        /* of the current file */

  /* written by the worker, read by the main thread after it finished */
  GPtrArray       *results;        /* (element-type ArbImportResult) (nullable elements) */
  GPtrArray       *errors;         /* (element-type GError) (nullable elements) */
} ImportJob;

static void
clear_error (gpointer error)
{
  if (error != NULL)
    g_error_free (error);
}

static void
clear_result (gpointer result)
{
  if (result != NULL)
    arb_import_result_free (result);
}

static ImportJob *
import_job_ref (ImportJob *job)
{
  g_atomic_ref_count_inc (&job->ref);
  return job;
}

static void
import_job_unref (ImportJob *job)
{
  if (!g_atomic_ref_count_dec (&job->ref))
    return;
  g_clear_object (&job->app);
  g_free (job->workspace_path);
  g_ptr_array_unref (job->paths);
  g_ptr_array_unref (job->results);
  g_ptr_array_unref (job->errors);
  g_mutex_clear (&job->lock);
  g_free (job);
}

static void
import_progress (guint64  bytes_done,
                 guint64  bytes_total,
                 guint64  records,
                 gpointer user_data)
{
  ImportJob *job = user_data;

  g_mutex_lock (&job->lock);
  job->bytes_done = bytes_done;
  job->records = records;
  g_mutex_unlock (&job->lock);
}

static void
import_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ImportJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = NULL;

  /* The worker's own connection: the main thread keeps reading through the window's. */
  ws = arb_workspace_open (job->workspace_path, &error);
  if (ws == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  for (guint i = 0; i < job->paths->len; i++)
    {
      const char *path = job->paths->pdata[i];
      ArbImportOptions options = { .format = ARB_IMPORT_FORMAT_AUTO };
      ArbImportResult *result;
      GStatBuf st;

      g_mutex_lock (&job->lock);
      job->file_index = i;
      job->bytes_done = 0;
      job->records = 0;
      g_mutex_unlock (&job->lock);

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_ptr_array_add (job->results, NULL);
          g_ptr_array_add (job->errors, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                             _("Cancelled")));
          continue;
        }
      result = arb_workspace_import_file (ws, path, &options, import_progress, job, cancellable,
                                          &error);
      g_ptr_array_add (job->results, result);
      g_ptr_array_add (job->errors, g_steal_pointer (&error));

      g_mutex_lock (&job->lock);
      if (g_stat (path, &st) == 0)
        job->bytes_before += st.st_size;
      job->bytes_done = 0;
      g_mutex_unlock (&job->lock);
    }
  g_task_return_boolean (task, TRUE);
}

/* ---- toasts */

/* A dismissed toast may live on for its hiding animation; it must not be dismissed twice. */
static void
toast_dismissed_cb (AdwToast  *toast,
                    ArbWindow *self)
{
  if (self->latest_toast == toast)
    g_clear_weak_pointer (&self->latest_toast);
  if (self->sticky_toast == toast)
    g_clear_weak_pointer (&self->sticky_toast);
}

static void
forget_toast (ArbWindow  *self,
              AdwToast  **slot)
{
  AdwToast *toast = *slot;

  if (toast == NULL)
    return;
  toast_dismissed_cb (toast, self);
  adw_toast_dismiss (toast);
}

static void
show_toast (ArbWindow  *self,
            const char *text,
            gboolean    with_details)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast *toast;

  g_free (self->last_toast);
  self->last_toast = g_strdup (text);

  /* News replaces news (undo, flag, skip come in quick succession) by taking over the toast on
   * screen, rather than queueing behind it; an error gets a toast of its own that stays. */
  if (!with_details && self->latest_toast != NULL && self->latest_toast != self->sticky_toast)
    {
      adw_toast_set_title (self->latest_toast, escaped);
      return;
    }

  toast = adw_toast_new (escaped);
  if (with_details)
    {
      adw_toast_set_button_label (toast, _("_Details"));
      adw_toast_set_action_name (toast, "win.show-import-report");
      adw_toast_set_timeout (toast, 0);
      adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
      g_set_weak_pointer (&self->sticky_toast, toast);
    }
  else
    g_set_weak_pointer (&self->latest_toast, toast);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (toast_dismissed_cb), self, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
arb_window_toast (ArbWindow  *self,
                  const char *text)
{
  g_return_if_fail (ARB_IS_WINDOW (self));
  show_toast (self, text, FALSE);
}

/* Takes the latest toast off the screen (for photographs of the window). */
void
arb_window_dismiss_toast (ArbWindow *self)
{
  g_return_if_fail (ARB_IS_WINDOW (self));
  forget_toast (self, &self->latest_toast);
}

/**
 * arb_window_get_last_toast:
 *
 * Returns: (nullable): the text of the last toast shown (for tests and for the accessibility
 *   of the log)
 */
const char *
arb_window_get_last_toast (ArbWindow *self)
{
  g_return_val_if_fail (ARB_IS_WINDOW (self), NULL);
  return self->last_toast;
}

/**
 * arb_window_get_last_report:
 *
 * Returns: (nullable): the full report of the last import: every file, its counts, warnings,
 *   skipped records and errors
 */
const char *
arb_window_get_last_report (ArbWindow *self)
{
  g_return_val_if_fail (ARB_IS_WINDOW (self), NULL);
  return self->last_report;
}

/* ---- pages */

void
arb_window_add_page (ArbWindow  *self,
                     GtkWidget  *page,
                     const char *name,
                     const char *title,
                     const char *icon_name)
{
  GtkStackPage *sp;

  g_return_if_fail (ARB_IS_WINDOW (self));
  g_return_if_fail (GTK_IS_WIDGET (page));

  sp = gtk_stack_add_titled (self->pages, page, name, title);
  if (icon_name != NULL)
    gtk_stack_page_set_icon_name (sp, icon_name);
}

/* The workspace's own settings changed (scale, dimensions, overlap, …): the labelling pages
 * take them up. */
void
arb_window_workspace_settings_changed (ArbWindow *self)
{
  g_return_if_fail (ARB_IS_WINDOW (self));
  if (self->workspace == NULL)
    return;
  arb_compare_page_set_workspace (self->compare, self->workspace,
                                  arb_compare_page_get_annotator (self->compare));
  if (self->spans != NULL)
    arb_spans_page_set_workspace (self->spans, self->workspace,
                                  arb_compare_page_get_annotator (self->compare));
  if (self->steps != NULL)
    arb_steps_page_set_workspace (self->steps, self->workspace,
                                  arb_compare_page_get_annotator (self->compare));
  arb_overview_page_refresh (self->overview);
}

/* Shows a page of the open workspace (the sidebar does the same). */
void
arb_window_show_page (ArbWindow  *self,
                      const char *name)
{
  GtkWidget *child;

  g_return_if_fail (ARB_IS_WINDOW (self));
  child = gtk_stack_get_child_by_name (self->pages, name);
  /* Pages hidden from an annotator (--annotator) stay hidden. */
  if (self->workspace != NULL && child != NULL &&
      gtk_stack_page_get_visible (gtk_stack_get_page (self->pages, child)))
    gtk_stack_set_visible_child (self->pages, child);
}

static ArbApplication *get_app (ArbWindow *self);

static const char *
page_annotator (ArbWindow *self)
{
  return get_app (self) ? arb_application_get_annotator (get_app (self)) : NULL;
}

static GtkWidget *ensure_page (ArbWindow *self,
                               GtkWidget *slot);

/* Marks spans on one generation (a side of the comparison on the compare page), then returns
 * to the compare page. */
void
arb_window_mark_spans (ArbWindow *self,
                       gint64     generation_id)
{
  const char *who;

  g_return_if_fail (ARB_IS_WINDOW (self));
  if (self->workspace == NULL || ensure_page (self, self->spans_slot) == NULL)
    return;
  who = arb_compare_page_get_annotator (self->compare);
  if (g_strcmp0 (arb_spans_page_get_annotator (self->spans), who) != 0)
    arb_spans_page_set_workspace (self->spans, self->workspace, who);
  arb_spans_page_show_generation (self->spans, generation_id, "compare");
  self->marking_spans = TRUE;
  gtk_stack_set_visible_child (self->pages, self->spans_slot);
  self->marking_spans = FALSE;
  arb_spans_page_focus (self->spans);
}

static void
show_page_action (GtkWidget  *widget,
                  const char *action,
                  GVariant   *param)
{
  arb_window_show_page (ARB_WINDOW (widget), g_variant_get_string (param, NULL));
}

/* Makes the page a slot stands for, the first time it is needed, for the open workspace. */
static GtkWidget *
ensure_page (ArbWindow *self,
             GtkWidget *slot)
{
  GtkWidget *page = gtk_widget_get_first_child (slot);

  if (page != NULL)
    return page;
  if (slot == self->review_slot)
    {
      self->review = arb_review_page_new ();
      page = GTK_WIDGET (self->review);
      arb_review_page_set_workspace (self->review, self->workspace, page_annotator (self));
    }
  else if (slot == self->dashboard_slot)
    {
      self->dashboard = arb_dashboard_page_new ();
      page = GTK_WIDGET (self->dashboard);
      gtk_widget_set_hexpand (page, TRUE);
      gtk_widget_set_vexpand (page, TRUE);
      gtk_box_append (GTK_BOX (slot), page);
      arb_dashboard_page_set_workspace (self->dashboard, self->workspace);
      return page;
    }
  else if (slot == self->export_slot)
    {
      self->export_page = arb_export_page_new ();
      page = GTK_WIDGET (self->export_page);
      arb_export_page_set_workspace (self->export_page, self->workspace);
    }
  else if (slot == self->spans_slot)
    {
      self->spans = arb_spans_page_new ();
      page = GTK_WIDGET (self->spans);
      arb_spans_page_set_workspace (self->spans, self->workspace,
                                    arb_compare_page_get_annotator (self->compare));
    }
  else if (slot == self->steps_slot)
    {
      self->steps = arb_steps_page_new ();
      page = GTK_WIDGET (self->steps);
      arb_steps_page_set_workspace (self->steps, self->workspace,
                                    arb_compare_page_get_annotator (self->compare));
    }
  else if (slot == self->judges_slot)
    {
      self->judges = arb_judges_page_new ();
      page = GTK_WIDGET (self->judges);
      arb_judges_page_set_workspace (self->judges, self->workspace);
    }
  else
    return NULL;
  gtk_widget_set_hexpand (page, TRUE);
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (slot), page);
  return page;
}

GtkWidget *
arb_window_get_page (ArbWindow  *self,
                     const char *name)
{
  GtkWidget *child;

  g_return_val_if_fail (ARB_IS_WINDOW (self), NULL);
  child = gtk_stack_get_child_by_name (self->pages, name);
  if (child != NULL && (child == self->review_slot || child == self->dashboard_slot ||
                        child == self->judges_slot || child == self->export_slot ||
                        child == self->spans_slot || child == self->steps_slot))
    return ensure_page (self, child);
  return child;
}

static void
back_clicked_cb (ArbWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
visible_page_changed_cb (ArbWindow *self)
{
  /* The labelling keys belong to the compare page: it takes the keyboard when shown. */
  if (gtk_stack_get_visible_child (self->pages) == GTK_WIDGET (self->compare))
    arb_compare_page_focus (self->compare);
  /* Pages made when first shown; others may have labelled meanwhile. */
  if (gtk_stack_get_visible_child (self->pages) == self->review_slot)
    {
      ensure_page (self, self->review_slot);
      arb_review_page_refresh (self->review);
    }
  if (gtk_stack_get_visible_child (self->pages) == self->dashboard_slot)
    {
      ensure_page (self, self->dashboard_slot);
      arb_dashboard_page_refresh (self->dashboard);
    }
  if (gtk_stack_get_visible_child (self->pages) == self->judges_slot)
    ensure_page (self, self->judges_slot);
  /* The span and step pages label as whoever labels on the compare page, from the same queue
   * rules; they take the keyboard when shown. */
  if (gtk_stack_get_visible_child (self->pages) == self->spans_slot)
    {
      const char *who = arb_compare_page_get_annotator (self->compare);

      if (ensure_page (self, self->spans_slot) != NULL && !self->marking_spans &&
          g_strcmp0 (arb_spans_page_get_annotator (self->spans), who) != 0)
        arb_spans_page_set_workspace (self->spans, self->workspace, who);
      arb_spans_page_focus (self->spans);
    }
  if (gtk_stack_get_visible_child (self->pages) == self->steps_slot)
    {
      const char *who = arb_compare_page_get_annotator (self->compare);

      if (ensure_page (self, self->steps_slot) != NULL &&
          g_strcmp0 (arb_steps_page_get_annotator (self->steps), who) != 0)
        arb_steps_page_set_workspace (self->steps, self->workspace, who);
      arb_steps_page_focus (self->steps);
    }
  if (gtk_stack_get_visible_child (self->pages) == self->export_slot)
    ensure_page (self, self->export_slot);
  /* On a narrow window choosing a page in the sidebar shows it. */
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->content);
}

/* ---- recent workspaces */

static ArbApplication *
get_app (ArbWindow *self)
{
  return ARB_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
}

static void
update_recent (ArbWindow *self)
{
  ArbApplication *app = get_app (self);
  g_auto(GStrv) recent = NULL;

  for (guint i = 0; i < self->recent_rows->len; i++)
    gtk_list_box_remove (self->recent_list, self->recent_rows->pdata[i]);
  g_ptr_array_set_size (self->recent_rows, 0);
  if (app == NULL)
    return;

  recent = arb_application_list_recent (app);
  for (guint i = 0; recent[i] != NULL; i++)
    {
      g_autofree char *base = g_path_get_basename (recent[i]);
      g_autofree char *dir = g_path_get_dirname (recent[i]);
      g_autofree char *title = g_markup_escape_text (base, -1);
      g_autofree char *subtitle = g_markup_escape_text (dir, -1);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "path", g_strdup (recent[i]), g_free);
      gtk_list_box_append (self->recent_list, row);
      g_ptr_array_add (self->recent_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->recent_group), self->recent_rows->len > 0);
}

static void
recent_row_activated_cb (GtkListBox    *box,
                         GtkListBoxRow *row,
                         ArbWindow     *self)
{
  const char *path = g_object_get_data (G_OBJECT (row), "path");
  g_autoptr(GFile) file = NULL;

  if (path == NULL)
    return;
  file = g_file_new_for_path (path);
  arb_window_open_workspace (self, file);
}

/* ---- workspace */

static void
update_actions (ArbWindow *self)
{
  gboolean open = self->workspace != NULL;
  gboolean importing = self->job != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.import", open && !importing);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.close-workspace", open && !importing);
  /* Packs are written from and merged into the origin, never from within a pack. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.pack-out", open && !importing);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.pack-in", open && !importing);
  /* Tokenizing is the owner's work, not an annotator's (the menu hides it under --annotator). */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.tokenize",
                                 open && !importing &&
                                 (get_app (self) == NULL ||
                                  !arb_application_get_annotator_forced (get_app (self))));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.open-workspace", !importing);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-workspace", !importing);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-import", importing);
}

/* ---- checkpoints: the window's connection commits labels on the main thread, so the copying
 * of the write-ahead log into the file (which can take tens of milliseconds) happens on a worker */

static void
checkpoint_thread (GTask        *task,
                   gpointer      source,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;

  if (!arb_workspace_checkpoint (task_data, &error))
    g_warning ("%s", error->message);
  g_task_return_boolean (task, TRUE);
}

static void
checkpoint_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ARB_WINDOW (source)->checkpointing = FALSE;
}

static gboolean
checkpoint_tick (gpointer user_data)
{
  ArbWindow *self = user_data;
  g_autoptr(GTask) task = NULL;

  if (self->workspace == NULL || self->checkpointing)
    return G_SOURCE_CONTINUE;
  self->checkpointing = TRUE;
  task = g_task_new (self, NULL, checkpoint_done, NULL);
  g_task_set_task_data (task, g_strdup (arb_workspace_get_path (self->workspace)), g_free);
  g_task_run_in_thread (task, checkpoint_thread);
  return G_SOURCE_CONTINUE;
}

static void
set_workspace (ArbWindow    *self,
               ArbWorkspace *ws)
{
  if (!g_set_object (&self->workspace, ws))
    return;

  if (ws != NULL)
    arb_workspace_set_autocheckpoint (ws, 0);
  if (ws != NULL && self->checkpoint_source == 0)
    self->checkpoint_source = g_timeout_add_seconds (3, checkpoint_tick, self);

  /* An import error that stays until dismissed belongs to the workspace it happened in. */
  forget_toast (self, &self->sticky_toast);

  arb_overview_page_set_workspace (self->overview, ws);
  arb_compare_page_set_workspace (self->compare, ws,
                                  get_app (self) ? arb_application_get_annotator (get_app (self))
                                                 : NULL);
  if (self->review != NULL)
    arb_review_page_set_workspace (self->review, ws, page_annotator (self));
  if (self->dashboard != NULL)
    arb_dashboard_page_set_workspace (self->dashboard, ws);
  if (self->judges != NULL)
    arb_judges_page_set_workspace (self->judges, ws);
  if (self->spans != NULL)
    arb_spans_page_set_workspace (self->spans, ws, arb_compare_page_get_annotator (self->compare));
  if (self->steps != NULL)
    arb_steps_page_set_workspace (self->steps, ws, arb_compare_page_get_annotator (self->compare));
  if (self->export_page != NULL)
    arb_export_page_set_workspace (self->export_page, ws);
  /* Reviewing and the dashboard are not for someone labelling under --annotator (they would
   * see others' verdicts). */
  gtk_stack_page_set_visible (gtk_stack_get_page (self->pages, self->review_slot),
                              get_app (self) == NULL ||
                              !arb_application_get_annotator_forced (get_app (self)));
  gtk_stack_page_set_visible (gtk_stack_get_page (self->pages, self->dashboard_slot),
                              get_app (self) == NULL ||
                              !arb_application_get_annotator_forced (get_app (self)));
  gtk_stack_page_set_visible (gtk_stack_get_page (self->pages, self->export_slot),
                              get_app (self) == NULL ||
                              !arb_application_get_annotator_forced (get_app (self)));
  gtk_stack_page_set_visible (gtk_stack_get_page (self->pages, self->judges_slot),
                              get_app (self) == NULL ||
                              !arb_application_get_annotator_forced (get_app (self)));
  if (ws != NULL)
    {
      const char *path = arb_workspace_get_path (ws);
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *dir = g_path_get_dirname (path);
      g_autofree char *title = g_strdup_printf (_("%s — Arbiter"), base);

      adw_window_title_set_title (self->window_title, base);
      adw_window_title_set_subtitle (self->window_title, dir);
      gtk_window_set_title (GTK_WINDOW (self), title);
      gtk_stack_set_visible_child_name (self->main_stack, "workspace");
      /* `arbiter --annotator NAME WORKSPACE` goes straight to labelling. */
      if (get_app (self) != NULL && arb_application_get_annotator_forced (get_app (self)))
        {
          gtk_stack_set_visible_child_name (self->pages, "compare");
          arb_compare_page_focus (self->compare);
        }
      else
        gtk_stack_set_visible_child_name (self->pages, "overview");
      if (get_app (self) != NULL)
        arb_application_add_recent (get_app (self), path);
    }
  else
    {
      gtk_window_set_title (GTK_WINDOW (self), _("Arbiter"));
      gtk_stack_set_visible_child_name (self->main_stack, "welcome");
      if (self->settings != NULL)
        g_settings_set_string (self->settings, "last-workspace", "");
    }
  update_recent (self);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKSPACE]);
}

ArbWorkspace *
arb_window_get_workspace (ArbWindow *self)
{
  g_return_val_if_fail (ARB_IS_WINDOW (self), NULL);
  return self->workspace;
}

/**
 * arb_window_open_workspace:
 *
 * Opens the workspace in this window; on failure a toast says why and the window keeps what it
 * showed.
 *
 * Returns: whether it opened
 */
gboolean
arb_window_open_workspace (ArbWindow *self,
                           GFile     *file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (ARB_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (self->job != NULL)
    {
      show_toast (self, _("Wait for the import to finish, or cancel it, before opening another "
                          "workspace"), FALSE);
      return FALSE;
    }
  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);
      g_autofree char *msg = g_strdup_printf (_("Cannot open %s: only local files can be "
                                                "workspaces"), uri);
      show_toast (self, msg, FALSE);
      return FALSE;
    }
  ws = arb_workspace_open (path, &error);
  if (ws == NULL)
    {
      g_autofree char *msg = NULL;

      if (g_error_matches (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND) && get_app (self))
        arb_application_forget_recent (get_app (self), path);
      msg = g_strdup_printf (_("Could not open the workspace: %s"), error->message);
      show_toast (self, msg, FALSE);
      update_recent (self);
      return FALSE;
    }
  set_workspace (self, ws);
  return TRUE;
}

/**
 * arb_window_create_workspace:
 *
 * Creates a new, empty workspace at file and opens it. An existing file is never overwritten.
 */
gboolean
arb_window_create_workspace (ArbWindow *self,
                             GFile     *file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (ARB_IS_WINDOW (self), FALSE);

  path = g_file_get_path (file);
  if (path == NULL)
    {
      show_toast (self, _("A workspace must be a local file"), FALSE);
      return FALSE;
    }
  ws = arb_workspace_create (path, &error);
  if (ws == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("Could not create the workspace: %s"),
                                              error->message);
      show_toast (self, msg, FALSE);
      return FALSE;
    }
  set_workspace (self, ws);
  return TRUE;
}

void
arb_window_close_workspace (ArbWindow *self)
{
  g_return_if_fail (ARB_IS_WINDOW (self));
  if (self->job != NULL)
    return;
  set_workspace (self, NULL);
}

/* ---- importing */

gboolean
arb_window_get_importing (ArbWindow *self)
{
  g_return_val_if_fail (ARB_IS_WINDOW (self), FALSE);
  return self->job != NULL;
}

/**
 * arb_window_get_import_fraction:
 *
 * Returns: how much of the running import is done, 0 to 1 (0 when none runs)
 */
double
arb_window_get_import_fraction (ArbWindow *self)
{
  ImportJob *job;
  double fraction;

  g_return_val_if_fail (ARB_IS_WINDOW (self), 0);
  job = self->job;
  if (job == NULL || job->bytes_total == 0)
    return 0;
  g_mutex_lock (&job->lock);
  fraction = (double) (job->bytes_before + job->bytes_done) / job->bytes_total;
  g_mutex_unlock (&job->lock);
  return CLAMP (fraction, 0, 1);
}

/* Progress of other long work (label packs) in the import's bar, when no import runs. A
 * @fraction below 0 hides the bar. */
void
arb_window_set_task_progress (ArbWindow  *self,
                              const char *text,
                              double      fraction)
{
  g_return_if_fail (ARB_IS_WINDOW (self));
  if (self->job != NULL)
    return;
  if (fraction < 0)
    {
      gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
      gtk_widget_set_visible (self->progress_cancel, TRUE);
      return;
    }
  gtk_widget_set_visible (self->progress_cancel, FALSE);
  gtk_label_set_text (self->progress_label, text);
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0, 1));
  gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);
}

double
arb_window_get_task_progress (ArbWindow *self)
{
  g_return_val_if_fail (ARB_IS_WINDOW (self), -1);
  if (!gtk_revealer_get_reveal_child (self->progress_revealer))
    return -1;
  return gtk_progress_bar_get_fraction (self->progress_bar);
}

static gboolean
update_progress (gpointer user_data)
{
  ArbWindow *self = user_data;
  ImportJob *job = self->job;
  g_autofree char *done = NULL;
  g_autofree char *total = NULL;
  g_autofree char *base = NULL;
  g_autofree char *text = NULL;
  guint index;
  guint64 records;

  if (job == NULL)
    return G_SOURCE_REMOVE;
  g_mutex_lock (&job->lock);
  index = job->file_index;
  records = job->records;
  done = g_format_size (job->bytes_before + job->bytes_done);
  g_mutex_unlock (&job->lock);
  total = g_format_size (job->bytes_total);
  base = g_path_get_basename (job->paths->pdata[MIN (index, job->paths->len - 1)]);

  if (job->paths->len > 1)
    /* Translators: file name, file number, number of files, bytes done, bytes in all, records */
    text = g_strdup_printf (_("Importing %s (file %u of %u) — %s of %s, %" PRIu64
                              " records"),
                            base, index + 1, job->paths->len, done, total, records);
  else
    /* Translators: file name, bytes done, bytes in all, records */
    text = g_strdup_printf (_("Importing %s — %s of %s, %" PRIu64 " records"),
                            base, done, total, records);
  gtk_label_set_text (self->progress_label, text);
  gtk_progress_bar_set_fraction (self->progress_bar, arb_window_get_import_fraction (self));
  return G_SOURCE_CONTINUE;
}

static void
append_result (GString               *report,
               const char            *path,
               const ArbImportResult *r,
               const GError          *error)
{
  g_autofree char *base = g_path_get_basename (path);

  if (r != NULL)
    {
      g_string_append_printf (report,
                              _("%s: %s, %" PRIu64 " records; added %" PRId64
                                " prompts, %" PRId64 " generations, %" PRId64
                                " comparisons, %" PRId64 " verdicts, %" PRId64
                                " systems, %" PRId64 " raters\n"),
                              base, arb_import_format_to_string (r->format), r->records,
                              r->prompts, r->generations, r->comparisons, r->verdicts, r->systems,
                              r->raters);
      if (r->duplicates > 0)
        g_string_append_printf (report, _("  %" PRIu64 " verdicts were there already\n"),
                                r->duplicates);
      if (r->conflicts > 0)
        g_string_append_printf (report, _("  %" PRIu64 " verdicts contradict ones "
                                          "already there; the earlier ones were kept\n"),
                                r->conflicts);
      for (guint i = 0; i < r->bad_records->len; i++)
        g_string_append_printf (report, _("  skipped: %s\n"), (char *) r->bad_records->pdata[i]);
      for (guint i = 0; i < r->warnings->len; i++)
        g_string_append_printf (report, _("  warning: %s\n"), (char *) r->warnings->pdata[i]);
    }
  else if (error != NULL)
    g_string_append_printf (report, _("%s: not imported: %s\n"), base, error->message);
}

static void
import_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  ArbWindow *self = ARB_WINDOW (source);
  g_autoptr(GError) error = NULL;
  ImportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GString) report = g_string_new (NULL);
  g_autofree char *toast = NULL;
  g_autofree char *added = NULL;
  guint n_ok = 0, n_failed = 0, n_cancelled = 0;
  gint64 comparisons = 0, verdicts = 0, prompts = 0;
  guint64 warnings = 0;
  const GError *first_error = NULL;
  const char *first_failed = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  g_clear_handle_id (&self->progress_source, g_source_remove);
  gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);

  for (guint i = 0; i < job->results->len; i++)
    {
      const ArbImportResult *r = job->results->pdata[i];
      const GError *e = job->errors->pdata[i];

      append_result (report, job->paths->pdata[i], r, e);
      if (r != NULL)
        {
          n_ok++;
          prompts += r->prompts;
          comparisons += r->comparisons;
          verdicts += r->verdicts;
          warnings += r->warnings->len + r->bad_records->len;
        }
      else if (g_error_matches (e, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        n_cancelled++;
      else
        {
          n_failed++;
          if (first_error == NULL)
            {
              first_error = e;
              first_failed = job->paths->pdata[i];
            }
        }
    }

  {
    g_autofree char *p = g_strdup_printf (ngettext ("%" PRId64 " prompt",
                                                    "%" PRId64 " prompts", prompts),
                                          prompts);
    g_autofree char *c = g_strdup_printf (ngettext ("%" PRId64 " comparison",
                                                    "%" PRId64 " comparisons",
                                                    comparisons), comparisons);
    g_autofree char *v = g_strdup_printf (ngettext ("%" PRId64 " verdict",
                                                    "%" PRId64 " verdicts", verdicts),
                                          verdicts);

    /* Translators: "3 prompts, 2 comparisons, 1 verdict" */
    added = g_strdup_printf (_("%s, %s, %s"), p, c, v);
  }

  if (error != NULL)
    toast = g_strdup_printf (_("Could not import: %s"), error->message);
  else if (n_failed > 0)
    {
      g_autofree char *base = g_path_get_basename (first_failed);

      const char *why = first_error->message;

      /* The message starts with the file's full path; the toast names it by its base name. */
      if (g_str_has_prefix (why, first_failed) && why[strlen (first_failed)] == ':')
        why += strlen (first_failed) - strlen (base);
      if (n_failed == 1 && job->paths->len == 1)
        /* Translators: a file name and why it could not be imported ("file.jsonl:7:12: …") */
        toast = g_strdup_printf (_("Nothing imported from %s: %s"), base, why);
      else
        toast = g_strdup_printf (ngettext ("%u file not imported (%s: %s)",
                                           "%u files not imported (first: %s: %s)", n_failed),
                                 n_failed, base, why);
    }
  else if (n_cancelled > 0)
    toast = g_strdup (_("Import cancelled; nothing of the unfinished file was kept"));
  else if (job->paths->len == 1)
    {
      g_autofree char *base = g_path_get_basename (job->paths->pdata[0]);

      /* Translators: file name, then counts of what was added ("3 prompts, 2 comparisons…") */
      toast = g_strdup_printf (_("Imported %s: %s added"), base, added);
    }
  else
    /* Translators: number of files, then counts of what was added */
    toast = g_strdup_printf (ngettext ("Imported %u file: %s added", "Imported %u files: %s added",
                                       n_ok), n_ok, added);

  g_free (self->last_report);
  self->last_report = g_string_free (g_steal_pointer (&report), FALSE);
  show_toast (self, toast, n_failed > 0 || warnings > 0 || error != NULL);

  g_clear_pointer (&self->job, import_job_unref);
  g_clear_object (&self->import_cancellable);
  update_actions (self);
  arb_overview_page_refresh (self->overview);
  /* New comparisons may be waiting for an annotator who had nothing left. */
  if (g_strcmp0 (arb_compare_page_get_state (self->compare), "item") != 0 &&
      g_strcmp0 (arb_compare_page_get_state (self->compare), "who") != 0)
    arb_compare_page_set_workspace (self->compare, self->workspace,
                                    arb_compare_page_get_annotator (self->compare));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IMPORTING]);
  g_signal_emit (self, signals[IMPORT_FINISHED], 0);
  g_application_release (job->app);
}

/**
 * arb_window_import_files:
 *
 * Imports the files into the open workspace on a worker thread, one after the other, showing
 * progress; a toast says what landed or what was wrong, and #ArbWindow::import-finished is
 * emitted at the end.
 */
void
arb_window_import_files (ArbWindow  *self,
                         GFile     **files,
                         guint       n_files)
{
  g_autoptr(GTask) task = NULL;
  ImportJob *job;

  g_return_if_fail (ARB_IS_WINDOW (self));

  if (self->workspace == NULL)
    {
      show_toast (self, _("Open or create a workspace first, then import data into it"), FALSE);
      return;
    }
  if (self->job != NULL)
    {
      show_toast (self, _("An import is running; wait for it or cancel it"), FALSE);
      return;
    }
  if (n_files == 0)
    return;

  job = g_new0 (ImportJob, 1);
  g_atomic_ref_count_init (&job->ref);
  g_mutex_init (&job->lock);
  job->workspace_path = g_strdup (arb_workspace_get_path (self->workspace));
  job->paths = g_ptr_array_new_with_free_func (g_free);
  job->results = g_ptr_array_new_with_free_func (clear_result);
  job->errors = g_ptr_array_new_with_free_func (clear_error);
  for (guint i = 0; i < n_files; i++)
    {
      char *path = g_file_get_path (files[i]);
      GStatBuf st;

      if (path == NULL)
        {
          g_autofree char *uri = g_file_get_uri (files[i]);
          g_autofree char *msg = g_strdup_printf (_("Cannot import %s: not a local file"), uri);

          show_toast (self, msg, FALSE);
          import_job_unref (job);
          return;
        }
      if (g_stat (path, &st) == 0)
        job->bytes_total += st.st_size;
      g_ptr_array_add (job->paths, path);
    }

  self->job = import_job_ref (job);
  self->import_cancellable = g_cancellable_new ();
  update_actions (self);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  update_progress (self);
  gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);
  self->progress_source = g_timeout_add (100, update_progress, self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IMPORTING]);

  /* The application stays alive until the worker has finished (or cancelled) and removed its
   * unfinished rows. */
  job->app = gtk_window_get_application (GTK_WINDOW (self)) ?
             g_object_ref (G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)))) :
             g_object_ref (g_application_get_default ());
  g_application_hold (job->app);
  task = g_task_new (self, self->import_cancellable, import_done, NULL);
  g_task_set_source_tag (task, arb_window_import_files);
  g_task_set_task_data (task, job, (GDestroyNotify) import_job_unref);
  g_task_run_in_thread (task, import_thread);
}

/* ---- actions */

static void
new_workspace_response (GtkNativeDialog *dialog,
                        int              response,
                        ArbWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);

      if (path != NULL && !g_str_has_suffix (path, ".arbiter"))
        {
          g_autofree char *with = g_strconcat (path, ".arbiter", NULL);

          g_clear_object (&file);
          file = g_file_new_for_path (with);
        }
      /* The file chooser asked before overwriting, but a workspace (and its write-ahead log,
       * perhaps open elsewhere) is never replaced: creating fails and says so. */
      arb_window_create_workspace (self, file);
    }
  g_object_unref (dialog);
}

static void
new_workspace_action (GtkWidget  *widget,
                      const char *action,
                      GVariant   *param)
{
  ArbWindow *self = ARB_WINDOW (widget);
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("New Workspace"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Create"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), _("workspace.arbiter"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (new_workspace_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static GtkFileFilter *
workspace_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Arbiter workspaces"));
  gtk_file_filter_add_mime_type (filter, "application/x-arbiter-workspace");
  gtk_file_filter_add_suffix (filter, "arbiter");
  return filter;
}

static void
open_workspace_response (GtkNativeDialog *dialog,
                         int              response,
                         ArbWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      arb_window_open_workspace (self, file);
    }
  g_object_unref (dialog);
}

static void
open_workspace_action (GtkWidget  *widget,
                       const char *action,
                       GVariant   *param)
{
  ArbWindow *self = ARB_WINDOW (widget);
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) ws = workspace_filter ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (_("Open Workspace"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), ws);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), all);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (open_workspace_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
import_response (GtkNativeDialog *dialog,
                 int              response,
                 ArbWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) list = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = 0; i < g_list_model_get_n_items (list); i++)
        g_ptr_array_add (files, g_list_model_get_item (list, i));
      arb_window_import_files (self, (GFile **) files->pdata, files->len);
    }
  g_object_unref (dialog);
}

static void
import_action (GtkWidget  *widget,
               const char *action,
               GVariant   *param)
{
  ArbWindow *self = ARB_WINDOW (widget);
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) data = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (_("Import Data"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), _("_Cancel"));
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (dialog), TRUE);
  gtk_file_filter_set_name (data, _("JSON and JSON Lines (also gzip-compressed)"));
  gtk_file_filter_add_suffix (data, "json");
  gtk_file_filter_add_suffix (data, "jsonl");
  gtk_file_filter_add_suffix (data, "gz");
  gtk_file_filter_add_mime_type (data, "application/json");
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), data);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), all);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (import_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
pack_out_action (GtkWidget  *widget,
                 const char *action,
                 GVariant   *param)
{
  arb_pack_export_dialog (ARB_WINDOW (widget));
}

static void
pack_in_action (GtkWidget  *widget,
                const char *action,
                GVariant   *param)
{
  arb_pack_merge_dialog (ARB_WINDOW (widget));
}

static void
tokenize_action (GtkWidget  *widget,
                 const char *action,
                 GVariant   *param)
{
  arb_tokenize_dialog_present (ARB_WINDOW (widget));
}

static void
cancel_import_action (GtkWidget  *widget,
                      const char *action,
                      GVariant   *param)
{
  ArbWindow *self = ARB_WINDOW (widget);

  if (self->import_cancellable != NULL)
    g_cancellable_cancel (self->import_cancellable);
}

static void
close_workspace_action (GtkWidget  *widget,
                        const char *action,
                        GVariant   *param)
{
  arb_window_close_workspace (ARB_WINDOW (widget));
}

static void
show_import_report_action (GtkWidget  *widget,
                           const char *action,
                           GVariant   *param)
{
  ArbWindow *self = ARB_WINDOW (widget);
  GtkWidget *dialog;
  GtkWidget *scrolled;
  GtkWidget *label;

  if (self->last_report == NULL)
    return;
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Import Report"), NULL);
  label = gtk_label_new (self->last_report);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "monospace");
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 360);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), label);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), scrolled);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_set_default_size (GTK_WINDOW (dialog), 640, -1);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- drag and drop */

static gboolean
is_workspace_file (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  char header[72];
  FILE *f;
  size_t n;

  if (path == NULL)
    return FALSE;
  if (g_str_has_suffix (path, ".arbiter"))
    return TRUE;
  /* A renamed workspace: SQLite's header and Arbiter's application_id 'ARBI' at offset 68. */
  f = g_fopen (path, "rb");
  if (f == NULL)
    return FALSE;
  n = fread (header, 1, sizeof header, f);
  fclose (f);
  return n == sizeof header && memcmp (header, "SQLite format 3", 16) == 0 &&
         memcmp (header + 68, "ARBI", 4) == 0;
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         ArbWindow     *self)
{
  GSList *list;
  g_autoptr(GPtrArray) data = g_ptr_array_new ();
  GFile *workspace = NULL;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  list = g_value_get_boxed (value);
  for (GSList *l = list; l != NULL; l = l->next)
    {
      if (workspace == NULL && is_workspace_file (l->data))
        workspace = l->data;
      else
        g_ptr_array_add (data, l->data);
    }
  if (workspace != NULL && !arb_window_open_workspace (self, workspace))
    return TRUE;
  if (data->len > 0)
    arb_window_import_files (self, (GFile **) data->pdata, data->len);
  return TRUE;
}

/* ---- life cycle */

ArbWindow *
arb_window_new (ArbApplication *app)
{
  return g_object_new (ARB_TYPE_WINDOW, "application", app, NULL);
}

/* Another name in the preferences: label as that person from now on (unless --annotator). */
static void
annotator_changed_cb (ArbWindow *self)
{
  ArbApplication *app = get_app (self);
  const char *name = app ? arb_application_get_annotator (app) : NULL;

  if (self->workspace == NULL || app == NULL || arb_application_get_annotator_forced (app))
    return;
  if (g_strcmp0 (name, arb_compare_page_get_annotator (self->compare)) != 0)
    arb_compare_page_set_workspace (self->compare, self->workspace, name);
}

static void
arb_window_constructed (GObject *object)
{
  ArbWindow *self = ARB_WINDOW (object);
  ArbApplication *app = get_app (self);

  G_OBJECT_CLASS (arb_window_parent_class)->constructed (object);

  if (app != NULL)
    {
      self->settings = g_object_ref (arb_application_get_settings (app));
      g_settings_bind (self->settings, "window-width", self, "default-width",
                       G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-height", self, "default-height",
                       G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-maximized", self, "maximized",
                       G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "show-system-names",
                       arb_compare_page_get_names_toggle (self->compare), "active",
                       G_SETTINGS_BIND_DEFAULT);
      g_signal_connect_object (self->settings, "changed::annotator",
                               G_CALLBACK (annotator_changed_cb), self, G_CONNECT_SWAPPED);
    }
  update_recent (self);
}

static gboolean
arb_window_close_request (GtkWindow *window)
{
  ArbWindow *self = ARB_WINDOW (window);

  /* The worker notices, removes what it had added, and then lets the application quit. */
  if (self->import_cancellable != NULL)
    g_cancellable_cancel (self->import_cancellable);
  return GTK_WINDOW_CLASS (arb_window_parent_class)->close_request (window);
}

static void
arb_window_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ArbWindow *self = ARB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      g_value_set_object (value, self->workspace);
      break;
    case PROP_IMPORTING:
      g_value_set_boolean (value, self->job != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
arb_window_dispose (GObject *object)
{
  ArbWindow *self = ARB_WINDOW (object);

  if (self->import_cancellable != NULL)
    g_cancellable_cancel (self->import_cancellable);
  g_clear_handle_id (&self->progress_source, g_source_remove);
  g_clear_handle_id (&self->checkpoint_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), ARB_TYPE_WINDOW);
  g_clear_weak_pointer (&self->sticky_toast);
  g_clear_weak_pointer (&self->latest_toast);
  g_clear_object (&self->workspace);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (arb_window_parent_class)->dispose (object);
}

static void
arb_window_finalize (GObject *object)
{
  ArbWindow *self = ARB_WINDOW (object);

  g_clear_pointer (&self->recent_rows, g_ptr_array_unref);
  g_clear_pointer (&self->last_toast, g_free);
  g_clear_pointer (&self->last_report, g_free);
  G_OBJECT_CLASS (arb_window_parent_class)->finalize (object);
}

static void
arb_window_class_init (ArbWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = arb_window_constructed;
  object_class->get_property = arb_window_get_property;
  object_class->dispose = arb_window_dispose;
  object_class->finalize = arb_window_finalize;
  window_class->close_request = arb_window_close_request;

  properties[PROP_WORKSPACE] =
    g_param_spec_object ("workspace", NULL, NULL, ARB_TYPE_WORKSPACE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_IMPORTING] =
    g_param_spec_boolean ("importing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ArbWindow::import-finished:
   *
   * Emitted on the main thread when an import started with arb_window_import_files() has
   * finished, failed or been cancelled, after the toast is shown and the overview refreshed.
   */
  signals[IMPORT_FINISHED] =
    g_signal_new ("import-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/arbiter/Arbiter/arb-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ArbWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ArbWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, ArbWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, ArbWindow, content);
  gtk_widget_class_bind_template_child (widget_class, ArbWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, ArbWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, ArbWindow, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, ArbWindow, progress_label);
  gtk_widget_class_bind_template_child (widget_class, ArbWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, ArbWindow, progress_cancel);
  gtk_widget_class_bind_template_child (widget_class, ArbWindow, recent_group);
  gtk_widget_class_bind_template_child (widget_class, ArbWindow, recent_list);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, recent_row_activated_cb);

  gtk_widget_class_install_action (widget_class, "win.new-workspace", NULL, new_workspace_action);
  gtk_widget_class_install_action (widget_class, "win.open-workspace", NULL,
                                   open_workspace_action);
  gtk_widget_class_install_action (widget_class, "win.close-workspace", NULL,
                                   close_workspace_action);
  gtk_widget_class_install_action (widget_class, "win.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-import", NULL, cancel_import_action);
  gtk_widget_class_install_action (widget_class, "win.pack-out", NULL, pack_out_action);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action);
  gtk_widget_class_install_action (widget_class, "win.pack-in", NULL, pack_in_action);
  gtk_widget_class_install_action (widget_class, "win.tokenize", NULL, tokenize_action);
  gtk_widget_class_install_action (widget_class, "win.show-import-report", NULL,
                                   show_import_report_action);
}

static void
arb_window_init (ArbWindow *self)
{
  GtkDropTarget *drop;

  g_type_ensure (ARB_TYPE_OVERVIEW_PAGE);
  gtk_widget_init_template (GTK_WIDGET (self));

  self->recent_rows = g_ptr_array_new ();
  self->overview = arb_overview_page_new ();
  arb_window_add_page (self, GTK_WIDGET (self->overview), "overview", _("Overview"),
                       "view-grid-symbolic");
  self->compare = arb_compare_page_new ();
  arb_window_add_page (self, GTK_WIDGET (self->compare), "compare", _("Compare"),
                       "view-dual-symbolic");
  self->spans_slot = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  arb_window_add_page (self, self->spans_slot, "spans", _("Spans"),
                       "format-text-underline-symbolic");
  self->steps_slot = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  arb_window_add_page (self, self->steps_slot, "steps", _("Steps"),
                       "view-list-ordered-symbolic");
  self->review_slot = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  arb_window_add_page (self, self->review_slot, "review", _("Review"),
                       "dialog-question-symbolic");
  self->dashboard_slot = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  arb_window_add_page (self, self->dashboard_slot, "dashboard", _("Dashboard"),
                       "x-office-presentation-symbolic");
  self->export_slot = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  arb_window_add_page (self, self->export_slot, "export", _("Export"),
                       "document-save-as-symbolic");
  self->judges_slot = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  arb_window_add_page (self, self->judges_slot, "judges", _("Judges"),
                       "network-server-symbolic");
  g_signal_connect_object (self->pages, "notify::visible-child",
                           G_CALLBACK (visible_page_changed_cb), self, G_CONNECT_SWAPPED);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  gtk_stack_set_visible_child_name (self->main_stack, "welcome");
  update_actions (self);

  if (g_strcmp0 (PACKAGE_VERSION, "") != 0 && g_str_has_suffix (PACKAGE_VERSION, "-devel"))
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}
