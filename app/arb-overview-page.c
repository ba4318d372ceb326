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

struct _ArbOverviewPage
{
  GtkWidget     parent_instance;

  GtkStack     *stack;
  AdwStatusPage *empty_page;
  GtkFlowBox   *counts_box;
  GtkListBox   *systems_list;
  GtkListBox   *raters_list;
  GtkListBox   *imports_list;

  GtkLabel     *count_labels[G_N_ELEMENTS (count_tiles)];
  GPtrArray    *rows;           /* rows added to the three lists, removed on refresh */
  ArbWorkspace *workspace;
  gboolean      empty;
};

G_DEFINE_FINAL_TYPE (ArbOverviewPage, arb_overview_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_WORKSPACE,
  PROP_EMPTY,
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

static void
fill_lists (ArbOverviewPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) systems = NULL;
  g_autoptr(GPtrArray) raters = NULL;
  g_autoptr(GPtrArray) imports = NULL;

  systems = arb_workspace_list_system_stats (self->workspace, &error);
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

  g_clear_error (&error);
  raters = arb_workspace_list_rater_stats (self->workspace, &error);
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

  g_clear_error (&error);
  imports = arb_workspace_list_imports (self->workspace, &error);
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
}

/**
 * arb_overview_page_refresh:
 *
 * Reads the counts and lists again from the workspace.
 */
void
arb_overview_page_refresh (ArbOverviewPage *self)
{
  ArbCounts c = { 0 };
  gint64 values[G_N_ELEMENTS (count_tiles)];
  gboolean empty;

  g_return_if_fail (ARB_IS_OVERVIEW_PAGE (self));

  for (guint i = 0; i < self->rows->len; i++)
    {
      GtkWidget *row = self->rows->pdata[i];

      gtk_list_box_remove (GTK_LIST_BOX (gtk_widget_get_parent (row)), row);
    }
  g_ptr_array_set_size (self->rows, 0);

  if (self->workspace != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!arb_workspace_get_counts (self->workspace, &c, &error))
        g_warning ("overview: %s", error->message);
      fill_lists (self);
    }

  values[0] = c.prompts;
  values[1] = c.generations;
  values[2] = c.comparisons;
  values[3] = c.verdicts;
  values[4] = c.systems;
  values[5] = c.raters;
  values[6] = c.grades;
  values[7] = c.spans;
  for (guint i = 0; i < G_N_ELEMENTS (count_tiles); i++)
    {
      g_autofree char *text = format_count (values[i]);

      gtk_label_set_text (self->count_labels[i], text);
    }

  empty = c.prompts == 0 && c.comparisons == 0 && c.verdicts == 0 && c.grades == 0;
  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "content");
  if (empty != self->empty)
    {
      self->empty = empty;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMPTY]);
    }
}

void
arb_overview_page_set_workspace (ArbOverviewPage *self,
                                 ArbWorkspace    *workspace)
{
  g_return_if_fail (ARB_IS_OVERVIEW_PAGE (self));
  g_return_if_fail (workspace == NULL || ARB_IS_WORKSPACE (workspace));

  if (g_set_object (&self->workspace, workspace))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKSPACE]);
  arb_overview_page_refresh (self);
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

  properties[PROP_WORKSPACE] =
    g_param_spec_object ("workspace", NULL, NULL, ARB_TYPE_WORKSPACE,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_EMPTY] =
    g_param_spec_boolean ("empty", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "arb-overview-page");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/arbiter/Arbiter/arb-overview-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ArbOverviewPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ArbOverviewPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, ArbOverviewPage, counts_box);
  gtk_widget_class_bind_template_child (widget_class, ArbOverviewPage, systems_list);
  gtk_widget_class_bind_template_child (widget_class, ArbOverviewPage, raters_list);
  gtk_widget_class_bind_template_child (widget_class, ArbOverviewPage, imports_list);
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
  gtk_stack_set_visible_child_name (self->stack, "empty");
}
