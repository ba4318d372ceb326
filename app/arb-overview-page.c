/* arb-overview-page.c: what a workspace holds, at a glance
 *
 * Counts of everything, the systems with their generations, the raters with their verdicts, and
 * every import with its state. An empty workspace shows a status page that says what to do.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <inttypes.h>

#include "arb-overview-page.h"
#include "arb-pack.h"

/* The count tiles, in the order shown. */
static const struct
{
  const char *key;
  const char *label;
} count_tiles[] = {
  { "prompts", N_("Prompts") },
  { "generations", N_("Generations") },
  { "comparisons", N_("Comparisons") },
  { "verdicts", N_("Verdicts") },
  { "systems", N_("Systems") },
  { "raters", N_("Raters") },
  { "grades", N_("Grades") },
  { "spans", N_("Spans") },
};

/* The same text as the template's, for when an error replaced it. */
#define EMPTY_DESCRIPTION \
  N_("Import a file of prompts and responses — Arbiter JSON Lines, TRL or HH-RLHF preference " \
     "pairs, AlpacaEval outputs or annotations, Chatbot Arena battles, plain or gzip-compressed " \
     "— or drop it on this window.")

struct _ArbOverviewPage
{
  GtkWidget     parent_instance;

  GtkStack     *stack;
  GtkSpinner   *spinner;
  AdwStatusPage *empty_page;
  GtkFlowBox   *counts_box;
  GtkListBox   *systems_list;
  GtkListBox   *raters_list;
  GtkListBox   *imports_list;
  GtkListBox   *packs_list;

  GtkLabel     *count_labels[G_N_ELEMENTS (count_tiles)];
  GPtrArray    *rows;           /* rows added to the three lists, removed on refresh */
  ArbWorkspace *workspace;
  GCancellable *cancellable;    /* of the refresh that runs */
  gboolean      empty;
  gboolean      loading;
  gboolean      stale;          /* a workspace was set while not shown: read it when mapped */
};

G_DEFINE_FINAL_TYPE (ArbOverviewPage, arb_overview_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_WORKSPACE,
  PROP_EMPTY,
  PROP_LOADING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

ArbOverviewPage *
arb_overview_page_new (void)
{
  return g_object_new (ARB_TYPE_OVERVIEW_PAGE, NULL);
}

static char *
format_count (gint64 n)
{
  /* Thousands grouped as the locale does it ("12,345" / "12 345"). */
  return g_strdup_printf ("%'" PRId64, n);
}

static void
add_row (ArbOverviewPage *self,
         GtkListBox      *list,
         const char      *title,
         const char      *subtitle,
         const char      *tag,
         const char      *tag_class,
         const char      *tooltip)
{
  g_autofree char *t = g_markup_escape_text (title, -1);
  g_autofree char *s = subtitle ? g_markup_escape_text (subtitle, -1) : NULL;
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), t);
  if (s != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), s);
  if (tag != NULL)
    {
      GtkWidget *label = gtk_label_new (tag);

      gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (label, "arb-tag");
      if (tag_class != NULL)
        gtk_widget_add_css_class (label, tag_class);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }
  if (tooltip != NULL)
    gtk_widget_set_tooltip_text (row, tooltip);
  gtk_list_box_append (list, row);
  g_ptr_array_add (self->rows, row);
}

/* An ISO 8601 time to the minute, in local time ("" when none). */
static char *
short_time (const char *iso)
{
  g_autoptr(GDateTime) t = iso ? g_date_time_new_from_iso8601 (iso, NULL) : NULL;
  g_autoptr(GDateTime) local = t ? g_date_time_to_local (t) : NULL;

  if (local == NULL)
    return g_strdup (iso ? iso : "");
  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}

static void
add_placeholder (ArbOverviewPage *self,
                 GtkListBox      *list,
                 const char      *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_set_margin_bottom (label, 12);
  gtk_list_box_set_placeholder (list, label);
}

static const char *
kind_text (const char *kind)
{
  if (g_strcmp0 (kind, "human") == 0)
    return _("person");
  if (g_strcmp0 (kind, "judge") == 0)
    return _("LLM judge");
  if (g_strcmp0 (kind, "reward_model") == 0)
    return _("reward model");
  return kind;
}

static const char *
role_text (const char *role)
{
  if (g_strcmp0 (role, "annotator") == 0)
    return _("annotator");
  if (g_strcmp0 (role, "gold") == 0)
    return _("gold");
  if (g_strcmp0 (role, "adjudicator") == 0)
    return _("adjudicator");
  return role;
}

/* What the page shows, read on a worker thread through its own connection. */
typedef struct
{
  ArbCounts  counts;
  GPtrArray *systems;   /* (element-type ArbNameStats) */
  GPtrArray *raters;    /* (element-type ArbNameStats) */
  GPtrArray *imports;   /* (element-type ArbImportInfo) */
  GPtrArray *packs;     /* (element-type ArbPackInfo) */
} Snapshot;

static void
snapshot_free (Snapshot *snap)
{
  g_clear_pointer (&snap->systems, g_ptr_array_unref);
  g_clear_pointer (&snap->raters, g_ptr_array_unref);
  g_clear_pointer (&snap->imports, g_ptr_array_unref);
  g_clear_pointer (&snap->packs, g_ptr_array_unref);
  g_free (snap);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Snapshot, snapshot_free)

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const char *path = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_open (path, &error);
  g_autoptr(Snapshot) snap = g_new0 (Snapshot, 1);

  if (ws == NULL ||
      !arb_workspace_get_counts (ws, &snap->counts, &error) ||
      g_task_return_error_if_cancelled (task) ||
      (snap->systems = arb_workspace_list_system_stats (ws, &error)) == NULL ||
      (snap->raters = arb_workspace_list_rater_stats (ws, &error)) == NULL ||
      (snap->imports = arb_workspace_list_imports (ws, &error)) == NULL ||
      (snap->packs = arb_workspace_list_packs (ws, &error)) == NULL)
    {
      if (error != NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&snap), (GDestroyNotify) snapshot_free);
}

static void
fill_lists (ArbOverviewPage *self,
            Snapshot        *snap)
{
  GPtrArray *systems = snap->systems;
  GPtrArray *raters = snap->raters;
  GPtrArray *imports = snap->imports;
  GPtrArray *packs = snap->packs;

  for (guint i = 0; systems != NULL && i < systems->len; i++)
    {
      ArbNameStats *st = systems->pdata[i];
      g_autofree char *gens = g_strdup_printf (ngettext ("%" PRId64 " generation",
                                                         "%" PRId64 " generations",
                                                         st->n_items), st->n_items);
      g_autofree char *comps = g_strdup_printf (ngettext ("%" PRId64 " comparison",
                                                          "%" PRId64 " comparisons",
                                                          st->n_grades), st->n_grades);
      /* Translators: "36 generations · 45 comparisons" */
      g_autofree char *sub = g_strdup_printf (_("%s · %s"), gens, comps);

      add_row (self, self->systems_list, st->name, sub, NULL, NULL, NULL);
    }

  for (guint i = 0; raters != NULL && i < raters->len; i++)
    {
      ArbNameStats *st = raters->pdata[i];
      g_autofree char *verdicts = g_strdup_printf (ngettext ("%" PRId64 " verdict",
                                                             "%" PRId64 " verdicts",
                                                             st->n_items), st->n_items);
      g_autofree char *sub = NULL;

      if (st->n_grades > 0)
        {
          g_autofree char *grades = g_strdup_printf (ngettext ("%" PRId64 " grade",
                                                               "%" PRId64 " grades",
                                                               st->n_grades), st->n_grades);
          /* Translators: kind of rater, "imported" or "live", verdicts, grades */
          sub = g_strdup_printf (_("%s, %s · %s · %s"), kind_text (st->kind),
                                 g_strcmp0 (st->origin, "live") == 0 ? _("live") : _("imported"),
                                 verdicts, grades);
        }
      else
        /* Translators: kind of rater, "imported" or "live", verdicts */
        sub = g_strdup_printf (_("%s, %s · %s"), kind_text (st->kind),
                               g_strcmp0 (st->origin, "live") == 0 ? _("live") : _("imported"),
                               verdicts);
      add_row (self, self->raters_list, st->name, sub, role_text (st->role),
               g_strcmp0 (st->role, "annotator") == 0 ? NULL : "accent", NULL);
    }

  for (guint n = imports ? imports->len : 0; n > 0; n--)
    {
      ArbImportInfo *im = imports->pdata[n - 1];
      g_autofree char *sub = NULL;
      const char *state, *cls;

      if (g_strcmp0 (im->state, "done") == 0)
        {
          /* Translators: format, records, comparisons, verdicts, date */
          sub = g_strdup_printf (_("%s · %" PRId64 " records, %" PRId64
                                   " comparisons, %" PRId64 " verdicts · %s"),
                                 im->format, im->n_records, im->n_comparisons, im->n_verdicts,
                                 im->started_at);
          state = _("done");
          cls = "success";
        }
      else if (g_strcmp0 (im->state, "failed") == 0)
        {
          sub = g_strdup_printf (_("%s · failed: %s"), im->format,
                                 im->error ? im->error : _("no reason recorded"));
          state = _("failed");
          cls = "error";
        }
      else
        {
          sub = g_strdup_printf (_("%s · started %s"), im->format, im->started_at);
          state = _("running");
          cls = "accent";
        }
      add_row (self, self->imports_list, im->name, sub, state, cls, im->error);
    }

  for (guint n = 0; packs != NULL && n < packs->len; n++)
    {
      ArbPackInfo *pk = packs->pdata[n];
      g_autofree char *created = short_time (pk->created_at);
      g_autofree char *expires = short_time (pk->expires);
      g_autofree char *merged = short_time (pk->merged_at);
      g_autofree char *title = NULL, *sub = NULL;
      const char *state, *cls;

      /* Translators: the pack's annotator and its file */
      title = g_strdup_printf (_("%s · %s"), pk->rater, pk->file ? pk->file : pk->uuid);
      if (g_strcmp0 (pk->state, "merged") == 0)
        {
          sub = g_strdup_printf (_("%" PRId64 " comparisons · written %s · merged %s"),
                                 pk->n_comparisons, created, merged);
          state = _("merged");
          cls = "success";
        }
      else if (g_strcmp0 (pk->state, "expired") == 0)
        {
          sub = g_strdup_printf (_("%" PRId64 " comparisons · written %s · leases ended %s"),
                                 pk->n_comparisons, created, expires);
          state = _("expired");
          cls = "error";
        }
      else
        {
          sub = g_strdup_printf (_("%" PRId64 " comparisons · written %s · leased until %s"),
                                 pk->n_comparisons, created, expires);
          state = _("out");
          cls = "accent";
        }
      add_row (self, self->packs_list, title, sub, state, cls, NULL);
    }
}

static void
show_snapshot (ArbOverviewPage *self,
               Snapshot        *snap)
{
  static const Snapshot nothing;
  const ArbCounts *c;
  gint64 values[G_N_ELEMENTS (count_tiles)];
  gboolean empty;

  if (snap == NULL)
    snap = (Snapshot *) &nothing;
  c = &snap->counts;

  for (guint i = 0; i < self->rows->len; i++)
    {
      GtkWidget *row = self->rows->pdata[i];

      gtk_list_box_remove (GTK_LIST_BOX (gtk_widget_get_parent (row)), row);
    }
  g_ptr_array_set_size (self->rows, 0);
  if (snap->systems != NULL)
    fill_lists (self, snap);

  values[0] = c->prompts;
  values[1] = c->generations;
  values[2] = c->comparisons;
  values[3] = c->verdicts;
  values[4] = c->systems;
  values[5] = c->raters;
  values[6] = c->grades;
  values[7] = c->spans;
  for (guint i = 0; i < G_N_ELEMENTS (count_tiles); i++)
    {
      g_autofree char *text = format_count (values[i]);

      gtk_label_set_text (self->count_labels[i], text);
    }

  empty = c->prompts == 0 && c->comparisons == 0 && c->verdicts == 0 && c->grades == 0;
  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "content");
  if (empty != self->empty)
    {
      self->empty = empty;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMPTY]);
    }
}

static void
set_loading (ArbOverviewPage *self,
             gboolean         loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  gtk_spinner_set_spinning (self->spinner, loading);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
load_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ArbOverviewPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(Snapshot) snap = g_task_propagate_pointer (G_TASK (result), &error);

  /* A newer refresh (or another workspace) superseded this one. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_task_get_cancellable (G_TASK (result)) != self->cancellable)
    return;
  g_clear_object (&self->cancellable);
  if (snap == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("Could not read the workspace: %s"),
                                              error->message);

      adw_status_page_set_title (self->empty_page, _("Cannot Show This Workspace"));
      adw_status_page_set_description (self->empty_page, msg);
      show_snapshot (self, NULL);
    }
  else
    show_snapshot (self, snap);
  set_loading (self, FALSE);
}

/**
 * arb_overview_page_refresh:
 *
 * Reads the counts and lists again from the workspace, on a worker thread with its own
 * connection (on a million comparisons the counting takes a while); the page shows the new
 * numbers when they are there, and #ArbOverviewPage:loading is %TRUE meanwhile.
 */
void
arb_overview_page_refresh (ArbOverviewPage *self)
{
  self->stale = FALSE;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (ARB_IS_OVERVIEW_PAGE (self));

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->workspace == NULL)
    {
      show_snapshot (self, NULL);
      set_loading (self, FALSE);
      return;
    }
  self->cancellable = g_cancellable_new ();
  set_loading (self, TRUE);
  task = g_task_new (NULL, self->cancellable, load_done, g_object_ref (self));
  g_task_set_source_tag (task, arb_overview_page_refresh);
  g_task_set_task_data (task, g_strdup (arb_workspace_get_path (self->workspace)), g_free);
  g_task_run_in_thread (task, load_thread);
}

gboolean
arb_overview_page_get_loading (ArbOverviewPage *self)
{
  g_return_val_if_fail (ARB_IS_OVERVIEW_PAGE (self), FALSE);
  return self->loading;
}

void
arb_overview_page_set_workspace (ArbOverviewPage *self,
                                 ArbWorkspace    *workspace)
{
  g_return_if_fail (ARB_IS_OVERVIEW_PAGE (self));
  g_return_if_fail (workspace == NULL || ARB_IS_WORKSPACE (workspace));

  if (g_set_object (&self->workspace, workspace))
    {
      /* Another workspace: its numbers, not the last one's, or a spinner until they come. */
      adw_status_page_set_title (self->empty_page, _("No Data Yet"));
      adw_status_page_set_description (self->empty_page, _(EMPTY_DESCRIPTION));
      if (workspace != NULL)
        gtk_stack_set_visible_child_name (self->stack, "loading");
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKSPACE]);
    }
  /* Counting a million comparisons is for someone looking: a window opened on another page
   * draws its first frame without it competing for the processors. */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)) || workspace == NULL)
    arb_overview_page_refresh (self);
  else
    self->stale = TRUE;
}

static void
arb_overview_page_map (GtkWidget *widget)
{
  ArbOverviewPage *self = ARB_OVERVIEW_PAGE (widget);

  GTK_WIDGET_CLASS (arb_overview_page_parent_class)->map (widget);
  if (self->stale)
    {
      self->stale = FALSE;
      arb_overview_page_refresh (self);
    }
}

ArbWorkspace *
arb_overview_page_get_workspace (ArbOverviewPage *self)
{
  g_return_val_if_fail (ARB_IS_OVERVIEW_PAGE (self), NULL);
  return self->workspace;
}

gboolean
arb_overview_page_get_empty (ArbOverviewPage *self)
{
  g_return_val_if_fail (ARB_IS_OVERVIEW_PAGE (self), TRUE);
  return self->empty;
}

/**
 * arb_overview_page_get_count_text:
 * @what: prompts, generations, comparisons, verdicts, systems, raters, grades or spans
 *
 * Returns: (nullable): the text the page shows for that count
 */
const char *
arb_overview_page_get_count_text (ArbOverviewPage *self,
                                  const char      *what)
{
  g_return_val_if_fail (ARB_IS_OVERVIEW_PAGE (self), NULL);
  for (guint i = 0; i < G_N_ELEMENTS (count_tiles); i++)
    if (g_strcmp0 (count_tiles[i].key, what) == 0)
      return gtk_label_get_text (self->count_labels[i]);
  return NULL;
}

static void
arb_overview_page_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ArbOverviewPage *self = ARB_OVERVIEW_PAGE (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      g_value_set_object (value, self->workspace);
      break;
    case PROP_EMPTY:
      g_value_set_boolean (value, self->empty);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
arb_overview_page_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ArbOverviewPage *self = ARB_OVERVIEW_PAGE (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      arb_overview_page_set_workspace (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
arb_overview_page_dispose (GObject *object)
{
  ArbOverviewPage *self = ARB_OVERVIEW_PAGE (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), ARB_TYPE_OVERVIEW_PAGE);
  g_clear_object (&self->workspace);
  G_OBJECT_CLASS (arb_overview_page_parent_class)->dispose (object);
}

static void
arb_overview_page_finalize (GObject *object)
{
  ArbOverviewPage *self = ARB_OVERVIEW_PAGE (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  G_OBJECT_CLASS (arb_overview_page_parent_class)->finalize (object);
}

static void
arb_overview_page_class_init (ArbOverviewPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = arb_overview_page_get_property;
  object_class->set_property = arb_overview_page_set_property;
  object_class->dispose = arb_overview_page_dispose;
  object_class->finalize = arb_overview_page_finalize;
  widget_class->map = arb_overview_page_map;

  properties[PROP_WORKSPACE] =
    g_param_spec_object ("workspace", NULL, NULL, ARB_TYPE_WORKSPACE,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_EMPTY] =
    g_param_spec_boolean ("empty", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "arb-overview-page");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/arbiter/Arbiter/arb-overview-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ArbOverviewPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ArbOverviewPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, ArbOverviewPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, ArbOverviewPage, counts_box);
  gtk_widget_class_bind_template_child (widget_class, ArbOverviewPage, systems_list);
  gtk_widget_class_bind_template_child (widget_class, ArbOverviewPage, raters_list);
  gtk_widget_class_bind_template_child (widget_class, ArbOverviewPage, imports_list);
  gtk_widget_class_bind_template_child (widget_class, ArbOverviewPage, packs_list);
}

static void
arb_overview_page_init (ArbOverviewPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_ptr_array_new ();
  self->empty = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (count_tiles); i++)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *value = gtk_label_new ("0");
      GtkWidget *caption = gtk_label_new (_(count_tiles[i].label));

      gtk_widget_add_css_class (box, "card");
      gtk_widget_add_css_class (box, "arb-count");
      gtk_widget_add_css_class (value, "title-1");
      gtk_widget_add_css_class (value, "numeric");
      gtk_widget_add_css_class (caption, "dim-label");
      gtk_widget_set_name (value, count_tiles[i].key);
      gtk_box_append (GTK_BOX (box), value);
      gtk_box_append (GTK_BOX (box), caption);
      gtk_flow_box_append (self->counts_box, box);
      self->count_labels[i] = GTK_LABEL (value);
    }
  add_placeholder (self, self->systems_list, _("No systems yet"));
  add_placeholder (self, self->raters_list, _("No raters yet: verdicts come from imports, "
                                              "annotators and judges"));
  add_placeholder (self, self->imports_list, _("Nothing imported yet"));
  add_placeholder (self, self->packs_list, _("No packs written: Export Label Pack… in the menu writes one"));
  gtk_stack_set_visible_child_name (self->stack, "empty");
}
