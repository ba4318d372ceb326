/* arb-dashboard-page.c: who wins, how sure we are, and whether the raters can be trusted
 *
 * The leaderboard (rating with its bootstrap interval, win rate and its standard error against
 * the baseline, length-controlled win rate, n, mean length), sortable by any column, and the
 * raters' table (accuracy against gold, per-order numbers and position bias for judges,
 * agreement with the others and seconds per decision for annotators). Both are computed on a
 * worker thread with its own connection (db/arb-stats, the same code as `arbiter-cli stats` and
 * `agreement`); a newer request cancels an older one. Activating a row opens the comparison
 * inspector on that system's comparisons with the baseline.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "arb-comparison.h"
#include "arb-dashboard-page.h"
#include "arb-markdown.h"
#include "arb-plot.h"
#include "arb-response-view.h"
#include "arb-review.h"
#include "arb-review-page.h"

#define INSPECT_LIMIT 500
#define N_CHARTS 4

/* One chart on the page: its drawing area and what it draws (NULL: nothing to draw, the label
 * says why). */
typedef struct
{
  ArbDashboardPage *page;
  ArbPlotKind       kind;
  GtkWidget        *card;
  GtkWidget        *area;
  GtkWidget        *message;
  ArbPlot          *plot;
} Chart;

/* ---- rows of the two tables */

#define ARB_TYPE_BOARD_ROW (arb_board_row_get_type ())
G_DECLARE_FINAL_TYPE (ArbBoardRow, arb_board_row, ARB, BOARD_ROW, GObject)

struct _ArbBoardRow
{
  GObject         parent_instance;
  ArbSystemResult r;   /* r.system owned */
  guint           rank;
};

G_DEFINE_FINAL_TYPE (ArbBoardRow, arb_board_row, G_TYPE_OBJECT)

static void
arb_board_row_finalize (GObject *object)
{
  g_free (ARB_BOARD_ROW (object)->r.system);
  G_OBJECT_CLASS (arb_board_row_parent_class)->finalize (object);
}

static void
arb_board_row_class_init (ArbBoardRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = arb_board_row_finalize;
}

static void
arb_board_row_init (ArbBoardRow *self)
{
}

#define ARB_TYPE_RATER_ROW (arb_rater_row_get_type ())
G_DECLARE_FINAL_TYPE (ArbRaterRow, arb_rater_row, ARB, RATER_ROW, GObject)

struct _ArbRaterRow
{
  GObject        parent_instance;
  ArbRaterResult r;    /* strings owned */
};

G_DEFINE_FINAL_TYPE (ArbRaterRow, arb_rater_row, G_TYPE_OBJECT)

static void
arb_rater_row_finalize (GObject *object)
{
  ArbRaterRow *self = ARB_RATER_ROW (object);

  g_free (self->r.rater);
  g_free (self->r.kind);
  g_free (self->r.role);
  G_OBJECT_CLASS (arb_rater_row_parent_class)->finalize (object);
}

static void
arb_rater_row_class_init (ArbRaterRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = arb_rater_row_finalize;
}

static void
arb_rater_row_init (ArbRaterRow *self)
{
}

/* ---- the page */

struct _ArbDashboardPage
{
  GtkWidget       parent_instance;

  GtkMenuButton  *raters_button;
  GtkBox         *raters_box;
  GtkDropDown    *baseline_dropdown;
  GtkDropDown    *category_dropdown;
  GtkDropDown    *orders_dropdown;
  GtkDropDown    *gold_dropdown;
  GtkSpinner     *spinner;
  GtkStack       *stack;
  AdwStatusPage  *error_page;
  GtkLabel       *summary_label;
  GtkColumnView  *leaderboard;
  GtkBox         *charts_box;
  GtkLabel       *raters_summary;
  GtkColumnView  *raters_view;
  GtkBox         *agreement_box;

  Chart           charts[N_CHARTS];

  GListStore     *board_store;
  GListStore     *rater_store;
  GtkStringList  *baseline_model;   /* "Automatic", then the systems */
  GtkStringList  *category_model;   /* "All", then the categories */
  GtkStringList  *gold_model;       /* "Automatic", "Majority of people", then the raters */

  ArbWorkspace   *workspace;
  GCancellable   *cancellable;
  ArbStats       *stats;
  ArbAgreement   *agreement;
  GStrv           chosen_raters;    /* NULL: the default */
  char           *baseline;         /* NULL: automatic */
  char           *category;         /* NULL: all */
  char           *gold;             /* NULL: the gold rater if there is one; or "majority" */
  gboolean        updating;         /* filling the choosers: their signals do nothing */
};

G_DEFINE_FINAL_TYPE (ArbDashboardPage, arb_dashboard_page, GTK_TYPE_WIDGET)

ArbDashboardPage *
arb_dashboard_page_new (void)
{
  return g_object_new (ARB_TYPE_DASHBOARD_PAGE, NULL);
}

/* ---- columns */

typedef char *(*CellText) (gpointer row);
typedef int   (*CellCompare) (gpointer a, gpointer b);

static char *
number_or_dash (double      v,
                const char *format)
{
  return isnan (v) ? g_strdup ("–") : g_strdup_printf (format, v);
}

static int
compare_doubles (double a,
                 double b)
{
  /* A missing value sorts below every number. */
  if (isnan (a) || isnan (b))
    return isnan (a) && isnan (b) ? 0 : isnan (a) ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

#define BOARD(p) (&ARB_BOARD_ROW (p)->r)
#define RATER(p) (&ARB_RATER_ROW (p)->r)

static char *
board_system (gpointer p)
{
  g_autofree char *visible = arb_markdown_make_visible (BOARD (p)->system, -1);

  return BOARD (p)->is_baseline ? g_strdup_printf (_("%s (baseline)"), visible)
                                : g_steal_pointer (&visible);
}
static int cmp_system (gpointer a, gpointer b) { return g_utf8_collate (BOARD (a)->system, BOARD (b)->system); }
static char *board_rating (gpointer p) { return number_or_dash (BOARD (p)->rating, "%.1f"); }
static int cmp_rating (gpointer a, gpointer b) { return compare_doubles (BOARD (a)->rating, BOARD (b)->rating); }
static char *
board_ci (gpointer p)
{
  if (BOARD (p)->is_baseline && !isnan (BOARD (p)->rating))
    return g_strdup (_("anchor"));
  if (isnan (BOARD (p)->ci_low))
    return g_strdup ("–");
  return g_strdup_printf ("%+.1f / %+.1f", BOARD (p)->ci_low - BOARD (p)->rating,
                          BOARD (p)->ci_high - BOARD (p)->rating);
}
static int cmp_ci (gpointer a, gpointer b) { return compare_doubles (BOARD (a)->ci_high - BOARD (a)->ci_low, BOARD (b)->ci_high - BOARD (b)->ci_low); }
static char *board_win (gpointer p) { return number_or_dash (BOARD (p)->win_rate.win_rate, "%.1f %%"); }
static int cmp_win (gpointer a, gpointer b) { return compare_doubles (BOARD (a)->win_rate.win_rate, BOARD (b)->win_rate.win_rate); }
static char *board_se (gpointer p) { return number_or_dash (BOARD (p)->win_rate.standard_error, "± %.1f"); }
static int cmp_se (gpointer a, gpointer b) { return compare_doubles (BOARD (a)->win_rate.standard_error, BOARD (b)->win_rate.standard_error); }
static char *board_lc (gpointer p) { return number_or_dash (BOARD (p)->lc_win_rate, "%.1f %%"); }
static int cmp_lc (gpointer a, gpointer b) { return compare_doubles (BOARD (a)->lc_win_rate, BOARD (b)->lc_win_rate); }
static char *
board_wlt (gpointer p)
{
  if (BOARD (p)->is_baseline)
    return g_strdup ("–");
  return g_strdup_printf ("%u / %u / %u", BOARD (p)->win_rate.n_wins,
                          BOARD (p)->win_rate.n_wins_base, BOARD (p)->win_rate.n_draws);
}
static char *board_n (gpointer p) { return g_strdup_printf ("%u", BOARD (p)->win_rate.n_total); }
static int cmp_n (gpointer a, gpointer b) { return compare_doubles (BOARD (a)->win_rate.n_total, BOARD (b)->win_rate.n_total); }
static char *board_battles (gpointer p) { return g_strdup_printf ("%" G_GUINT64_FORMAT, BOARD (p)->n_battles); }
static int cmp_battles (gpointer a, gpointer b) { return compare_doubles (BOARD (a)->n_battles, BOARD (b)->n_battles); }
static char *board_length (gpointer p) { return g_strdup_printf ("%" G_GINT64_FORMAT, BOARD (p)->avg_length); }
static int cmp_length (gpointer a, gpointer b) { return compare_doubles (BOARD (a)->avg_length, BOARD (b)->avg_length); }

static char *
rater_name (gpointer p)
{
  return arb_markdown_make_visible (RATER (p)->rater, -1);
}
static int cmp_rater (gpointer a, gpointer b) { return g_utf8_collate (RATER (a)->rater, RATER (b)->rater); }
static char *
rater_kind (gpointer p)
{
  const char *kind = g_strcmp0 (RATER (p)->kind, "human") == 0 ? _("person")
                     : g_strcmp0 (RATER (p)->kind, "judge") == 0 ? _("judge") : _("reward model");

  if (g_strcmp0 (RATER (p)->role, "annotator") == 0)
    return g_strdup (kind);
  return g_strdup_printf ("%s, %s", kind, RATER (p)->role);
}
static int cmp_kind (gpointer a, gpointer b) { return g_strcmp0 (RATER (a)->kind, RATER (b)->kind); }
static char *rater_items (gpointer p) { return g_strdup_printf ("%u", RATER (p)->n_items); }
static int cmp_items (gpointer a, gpointer b) { return compare_doubles (RATER (a)->n_items, RATER (b)->n_items); }
static double acc (const ArbAccuracy *a) { return a->n > 0 ? a->accuracy : NAN; }
static char *rater_accuracy (gpointer p) { return number_or_dash (100 * acc (&RATER (p)->accuracy), "%.1f %%"); }
static int cmp_accuracy (gpointer a, gpointer b) { return compare_doubles (acc (&RATER (a)->accuracy), acc (&RATER (b)->accuracy)); }
static double consistency (const ArbRaterResult *r) { return r->has_orders ? r->orders.order_consistency : NAN; }
static char *rater_consistency (gpointer p) { return number_or_dash (100 * consistency (RATER (p)), "%.1f %%"); }
static int cmp_consistency (gpointer a, gpointer b) { return compare_doubles (consistency (RATER (a)), consistency (RATER (b))); }
static double both (const ArbRaterResult *r) { return r->has_orders ? acc (&r->orders.both) : NAN; }
static char *rater_both (gpointer p) { return number_or_dash (100 * both (RATER (p)), "%.1f %%"); }
static int cmp_both (gpointer a, gpointer b) { return compare_doubles (both (RATER (a)), both (RATER (b))); }
static char *rater_first (gpointer p) { return number_or_dash (100 * RATER (p)->position.rate, "%.1f %%"); }
static int cmp_first (gpointer a, gpointer b) { return compare_doubles (RATER (a)->position.rate, RATER (b)->position.rate); }
static char *rater_reward (gpointer p) { return number_or_dash (100 * acc (&RATER (p)->reward), "%.1f %%"); }
static int cmp_reward (gpointer a, gpointer b) { return compare_doubles (acc (&RATER (a)->reward), acc (&RATER (b)->reward)); }
static char *rater_kappa (gpointer p) { return number_or_dash (RATER (p)->mean_kappa, "%.3f"); }
static int cmp_kappa (gpointer a, gpointer b) { return compare_doubles (RATER (a)->mean_kappa, RATER (b)->mean_kappa); }
static char *rater_seconds (gpointer p) { return number_or_dash (RATER (p)->median_seconds, "%.1f s"); }
static int cmp_seconds (gpointer a, gpointer b) { return compare_doubles (RATER (a)->median_seconds, RATER (b)->median_seconds); }

static void
cell_setup (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  numeric)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), numeric ? 1.0 : 0.0);
  if (numeric)
    gtk_widget_add_css_class (label, "numeric");
  else
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
cell_bind (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  CellText text = g_object_get_data (G_OBJECT (factory), "text");
  g_autofree char *s = text (gtk_list_item_get_item (item));

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), s);
}

static int
sorter_compare (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  CellCompare compare = user_data;

  return compare ((gpointer) a, (gpointer) b);
}

static GtkColumnViewColumn *
add_column (GtkColumnView *view,
            const char    *title,
            const char    *tooltip,
            CellText       text,
            CellCompare    compare,
            gboolean       numeric)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;

  g_object_set_data (G_OBJECT (factory), "text", text);
  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup), GINT_TO_POINTER (numeric));
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind), NULL);
  column = gtk_column_view_column_new (title, factory);
  if (compare != NULL)
    {
      GtkSorter *sorter = GTK_SORTER (gtk_custom_sorter_new (sorter_compare, compare, NULL));

      gtk_column_view_column_set_sorter (column, sorter);
      g_object_unref (sorter);
    }
  gtk_column_view_column_set_expand (column, FALSE);
  gtk_column_view_append_column (view, column);
  if (tooltip != NULL)
    g_object_set_data_full (G_OBJECT (column), "tooltip", g_strdup (tooltip), g_free);
  g_object_unref (column);
  return column;
}

static void
setup_tables (ArbDashboardPage *self)
{
  GtkSortListModel *sorted;
  GtkColumnViewColumn *rating;

  self->board_store = g_list_store_new (ARB_TYPE_BOARD_ROW);
  gtk_column_view_column_set_fixed_width (add_column (self->leaderboard, _("System"), NULL,
                                                      board_system, cmp_system, FALSE), 260);
  rating = add_column (self->leaderboard, _("Rating"), NULL, board_rating, cmp_rating, TRUE);
  add_column (self->leaderboard, _("95 % interval"), NULL, board_ci, cmp_ci, TRUE);
  add_column (self->leaderboard, _("Win rate"), NULL, board_win, cmp_win, TRUE);
  add_column (self->leaderboard, _("SE"), NULL, board_se, cmp_se, TRUE);
  add_column (self->leaderboard, _("LC win rate"), NULL, board_lc, cmp_lc, TRUE);
  add_column (self->leaderboard, _("W / L / T"), NULL, board_wlt, NULL, TRUE);
  add_column (self->leaderboard, _("n"), NULL, board_n, cmp_n, TRUE);
  add_column (self->leaderboard, _("Battles"), NULL, board_battles, cmp_battles, TRUE);
  add_column (self->leaderboard, _("Avg length"), NULL, board_length, cmp_length, TRUE);
  sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->board_store)),
                                    g_object_ref (gtk_column_view_get_sorter (self->leaderboard)));
  {
    g_autoptr(GtkSingleSelection) selection = gtk_single_selection_new (G_LIST_MODEL (sorted));

    gtk_column_view_set_model (self->leaderboard, GTK_SELECTION_MODEL (selection));
  }
  gtk_column_view_sort_by_column (self->leaderboard, rating, GTK_SORT_DESCENDING);

  self->rater_store = g_list_store_new (ARB_TYPE_RATER_ROW);
  gtk_column_view_column_set_fixed_width (add_column (self->raters_view, _("Rater"), NULL,
                                                      rater_name, cmp_rater, FALSE), 260);
  gtk_column_view_column_set_fixed_width (add_column (self->raters_view, _("Kind"), NULL,
                                                      rater_kind, cmp_kind, FALSE), 120);
  add_column (self->raters_view, _("Items"), NULL, rater_items, cmp_items, TRUE);
  add_column (self->raters_view, _("Accuracy"), NULL, rater_accuracy, cmp_accuracy, TRUE);
  add_column (self->raters_view, _("Both orders right"), NULL, rater_both, cmp_both, TRUE);
  add_column (self->raters_view, _("Order consistency"), NULL, rater_consistency, cmp_consistency, TRUE);
  add_column (self->raters_view, _("Picks first shown"), NULL, rater_first, cmp_first, TRUE);
  add_column (self->raters_view, _("Graded right"), NULL, rater_reward, cmp_reward, TRUE);
  add_column (self->raters_view, _("Mean κ with others"), NULL, rater_kappa, cmp_kappa, TRUE);
  add_column (self->raters_view, _("Median time"), NULL, rater_seconds, cmp_seconds, TRUE);
  sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->rater_store)),
                                    g_object_ref (gtk_column_view_get_sorter (self->raters_view)));
  {
    g_autoptr(GtkNoSelection) selection = gtk_no_selection_new (G_LIST_MODEL (sorted));

    gtk_column_view_set_model (self->raters_view, GTK_SELECTION_MODEL (selection));
  }
}

/* ---- computing */

typedef struct
{
  char            *path;
  GStrv            raters;
  char            *baseline;
  char            *category;
  char            *gold;
  ArbOrdersRule    orders;
  gint             cancel;   /* raised when the task's cancellable is */
} Job;

typedef struct
{
  ArbStats     *stats;
  ArbAgreement *agreement;
  GStrv         systems;
  GStrv         raters;
} Result;

static void
job_free (Job *job)
{
  g_free (job->path);
  g_strfreev (job->raters);
  g_free (job->baseline);
  g_free (job->category);
  g_free (job->gold);
  g_free (job);
}

static void
result_free (Result *r)
{
  arb_stats_free (r->stats);
  arb_agreement_free (r->agreement);
  g_strfreev (r->systems);
  g_strfreev (r->raters);
  g_free (r);
}

static void
cancel_cb (GCancellable *cancellable,
           Job          *job)
{
  g_atomic_int_set (&job->cancel, 1);
}

static void
compute_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_open (job->path, &error);
  Result *r;
  ArbStatsOptions so;
  ArbAgreementOptions ao = { 0 };
  gulong handler;

  if (ws == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  handler = g_cancellable_connect (cancellable, G_CALLBACK (cancel_cb), job, NULL);
  r = g_new0 (Result, 1);
  arb_stats_options_init (&so);
  so.raters = (const char * const *) job->raters;
  so.baseline = job->baseline;
  so.category = job->category;
  so.orders = job->orders;
  so.cancel = &job->cancel;
  r->stats = arb_workspace_compute_stats (ws, &so, &error);
  if (r->stats != NULL)
    {
      ao.raters = (const char * const *) job->raters;
      ao.category = job->category;
      ao.gold = job->gold;
      r->agreement = arb_workspace_compute_agreement (ws, &ao, &error);
    }
  if (r->agreement != NULL)
    r->systems = arb_workspace_list_systems (ws, &error);
  if (r->systems != NULL)
    r->raters = arb_workspace_list_raters (ws, &error);
  g_cancellable_disconnect (cancellable, handler);
  if (r->raters == NULL)
    {
      result_free (r);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, r, (GDestroyNotify) result_free);
}

static void fill_raters_popover (ArbDashboardPage *self, GStrv raters);

static void
set_string_list (GtkStringList *list,
                 const char    *first,
                 GStrv          items)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_auto(GStrv) all = NULL;

  g_strv_builder_add (b, first);
  for (guint i = 0; items != NULL && items[i] != NULL; i++)
    g_strv_builder_add (b, items[i]);
  all = g_strv_builder_end (b);
  gtk_string_list_splice (list, 0, g_list_model_get_n_items (G_LIST_MODEL (list)),
                          (const char * const *) all);
}

static void
select_string (GtkDropDown *dropdown,
               const char  *value)
{
  GListModel *model = gtk_drop_down_get_model (dropdown);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 1; value != NULL && i < n; i++)
    if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (model), i), value) == 0)
      {
        gtk_drop_down_set_selected (dropdown, i);
        return;
      }
  gtk_drop_down_set_selected (dropdown, 0);
}

/* ---- charts */

static void
chart_draw (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        user_data)
{
  Chart *chart = user_data;

  if (chart->plot == NULL)
    return;
  arb_plot_set_dark (chart->plot, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  arb_plot_draw (cr, width, height, chart->plot);
}

static Chart *
chart_named (ArbDashboardPage *self,
             const char       *name)
{
  for (guint i = 0; i < N_CHARTS; i++)
    if (g_strcmp0 (arb_plot_names[self->charts[i].kind], name) == 0)
      return &self->charts[i];
  return NULL;
}

/**
 * arb_dashboard_page_click_chart:
 * @name: a chart's name (arb_plot_names)
 * @x: where, in the chart's drawing area
 *
 * What a click on a chart does: on a cell of the win matrix, opens the inspector on the
 * comparisons of its row's and column's systems.
 *
 * Returns: (transfer none) (nullable): the inspector opened, if any
 */
GtkWindow *
arb_dashboard_page_click_chart (ArbDashboardPage *self,
                                const char       *name,
                                double            x,
                                double            y)
{
  Chart *chart = chart_named (self, name);
  const char * const *labels;
  guint n;
  int row, col;

  if (chart == NULL || chart->plot == NULL || chart->kind != ARB_PLOT_WIN_MATRIX)
    return NULL;
  labels = arb_plot_get_heatmap_labels (chart->plot, &n);
  if (!arb_chart_heatmap_hit (gtk_widget_get_width (chart->area),
                              gtk_widget_get_height (chart->area), n, n, x, y, &row, &col) ||
      row == col)
    return NULL;
  return arb_dashboard_page_inspect (self, labels[row], labels[col]);
}

static void
chart_clicked_cb (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  Chart           *chart)
{
  arb_dashboard_page_click_chart (chart->page, arb_plot_names[chart->kind], x, y);
}

/**
 * arb_dashboard_page_save_chart:
 *
 * Saves a chart as PNG, SVG or PDF (by the file name's extension), 1200 × 750.
 */
gboolean
arb_dashboard_page_save_chart (ArbDashboardPage *self,
                               const char       *name,
                               const char       *path,
                               GError          **error)
{
  Chart *chart = chart_named (self, name);

  if (chart == NULL || chart->plot == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The chart “%s” has nothing to show"),
                   name);
      return FALSE;
    }
  /* Files are in the light style, whatever the window's. */
  arb_plot_set_dark (chart->plot, FALSE);
  return arb_chart_save (path, 1200, 750, arb_plot_draw, chart->plot, error);
}

static void
save_response_cb (GtkNativeDialog *dialog,
                  int              response,
                  Chart           *chart)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      g_autoptr(GError) error = NULL;

      if (path != NULL &&
          !arb_dashboard_page_save_chart (chart->page, arb_plot_names[chart->kind], path, &error))
        {
          GtkWidget *msg = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (chart->page))),
                                                   _("Could Not Save the Chart"), error->message);

          adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (msg), "close", _("_Close"));
          gtk_window_present (GTK_WINDOW (msg));
        }
    }
  g_object_unref (dialog);
}

static void
save_clicked_cb (GtkButton *button,
                 Chart     *chart)
{
  GtkFileChooserNative *dialog;
  g_autofree char *name = g_strdup_printf ("%s.png", arb_plot_names[chart->kind]);
  GtkFileFilter *filter = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (_("Save Chart"),
                                        GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (button))),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  gtk_file_filter_set_name (filter, _("PNG, SVG or PDF"));
  gtk_file_filter_add_suffix (filter, "png");
  gtk_file_filter_add_suffix (filter, "svg");
  gtk_file_filter_add_suffix (filter, "pdf");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (save_response_cb), chart);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
setup_charts (ArbDashboardPage *self)
{
  static const ArbPlotKind kinds[N_CHARTS] = {
    ARB_PLOT_RATINGS, ARB_PLOT_WIN_MATRIX, ARB_PLOT_LENGTH, ARB_PLOT_AGREEMENT,
  };

  for (guint i = 0; i < N_CHARTS; i++)
    {
      Chart *chart = &self->charts[i];
      GtkWidget *overlay = gtk_overlay_new ();
      GtkWidget *save = gtk_button_new_from_icon_name ("document-save-symbolic");
      GtkGesture *click;

      chart->page = self;
      chart->kind = kinds[i];
      chart->card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
      gtk_widget_add_css_class (chart->card, "card");
      gtk_widget_set_name (chart->card, arb_plot_names[kinds[i]]);
      chart->area = gtk_drawing_area_new ();
      gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (chart->area), 400);
      gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (chart->area), 300);
      gtk_widget_set_hexpand (chart->area, TRUE);
      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (chart->area), chart_draw, chart, NULL);
      chart->message = gtk_label_new (NULL);
      gtk_label_set_wrap (GTK_LABEL (chart->message), TRUE);
      gtk_widget_add_css_class (chart->message, "dim-label");
      gtk_widget_set_visible (chart->message, FALSE);
      gtk_overlay_set_child (GTK_OVERLAY (overlay), chart->area);
      gtk_widget_set_halign (save, GTK_ALIGN_END);
      gtk_widget_set_valign (save, GTK_ALIGN_START);
      gtk_widget_set_margin_top (save, 6);
      gtk_widget_set_margin_end (save, 6);
      gtk_widget_add_css_class (save, "flat");
      gtk_widget_set_tooltip_text (save, _("Save as PNG, SVG or PDF"));
      g_signal_connect (save, "clicked", G_CALLBACK (save_clicked_cb), chart);
      gtk_overlay_add_overlay (GTK_OVERLAY (overlay), save);
      gtk_overlay_add_overlay (GTK_OVERLAY (overlay), chart->message);
      gtk_box_append (GTK_BOX (chart->card), overlay);
      if (kinds[i] == ARB_PLOT_WIN_MATRIX)
        {
          click = gtk_gesture_click_new ();
          g_signal_connect (click, "released", G_CALLBACK (chart_clicked_cb), chart);
          gtk_widget_add_controller (chart->area, GTK_EVENT_CONTROLLER (click));
          gtk_widget_set_tooltip_text (chart->area, _("Click a cell to see the comparisons of its two systems"));
        }
      gtk_box_append (i < 2 ? self->charts_box : self->agreement_box, chart->card);
    }
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (gtk_widget_queue_draw), self->charts[0].area,
                           G_CONNECT_SWAPPED);
  for (guint i = 1; i < N_CHARTS; i++)
    g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                             G_CALLBACK (gtk_widget_queue_draw), self->charts[i].area,
                             G_CONNECT_SWAPPED);
}

static void
update_charts (ArbDashboardPage *self)
{
  for (guint i = 0; i < N_CHARTS; i++)
    {
      Chart *chart = &self->charts[i];
      g_autoptr(GError) error = NULL;

      g_clear_pointer (&chart->plot, arb_plot_free);
      chart->plot = arb_plot_new (chart->kind, self->stats, self->agreement, self->category, 1000,
                                  &error);
      gtk_widget_set_visible (chart->message, chart->plot == NULL);
      if (chart->plot == NULL)
        gtk_label_set_text (GTK_LABEL (chart->message), error->message);
      gtk_widget_queue_draw (chart->area);
    }
}

static void
show_results (ArbDashboardPage *self)
{
  const ArbStats *s = self->stats;
  const ArbAgreement *a = self->agreement;
  g_autofree char *summary = NULL, *raters_summary = NULL;
  guint n_humans = 0;

  g_list_store_remove_all (self->board_store);
  for (guint i = 0; i < s->systems->len; i++)
    {
      const ArbSystemResult *r = s->systems->pdata[i];
      ArbBoardRow *row = g_object_new (ARB_TYPE_BOARD_ROW, NULL);

      row->r = *r;
      row->r.system = g_strdup (r->system);
      row->rank = i + 1;
      g_list_store_append (self->board_store, row);
      g_object_unref (row);
    }
  g_list_store_remove_all (self->rater_store);
  for (guint i = 0; i < a->raters->len; i++)
    {
      const ArbRaterResult *r = a->raters->pdata[i];
      ArbRaterRow *row = g_object_new (ARB_TYPE_RATER_ROW, NULL);

      row->r = *r;
      row->r.rater = g_strdup (r->rater);
      row->r.kind = g_strdup (r->kind);
      row->r.role = g_strdup (r->role);
      row->r.reward_categories = NULL;
      row->r.reward_by_category = NULL;
      n_humans += g_strcmp0 (r->kind, "human") == 0;
      g_list_store_append (self->rater_store, row);
      g_object_unref (row);
    }

  summary = g_strdup_printf (_("Against %s: %llu verdicts (%llu without a preference) make %llu "
                               "battles. Ratings are Bradley-Terry with the baseline at 1000 and "
                               "95 %% bootstrap intervals over 1000 rounds; win rates as "
                               "AlpacaEval 2. Double-click a system to see its comparisons."),
                             s->baseline ? s->baseline : "–", (unsigned long long) s->n_verdicts,
                             (unsigned long long) s->n_failed, (unsigned long long) s->n_battles);
  gtk_label_set_text (self->summary_label, summary);
  {
    g_autofree char *against = a->gold == NULL
      ? g_strdup (_("Accuracy needs gold labels: choose a gold rater or the majority of people."))
      : g_str_equal (a->gold, "majority")
      ? g_strdup (_("Accuracy is against the majority of the people."))
      : g_strdup_printf (_("Accuracy is against %s."), a->gold);

    raters_summary = g_strdup_printf (_("%u raters (%u people) on %u comparisons. %s Fleiss' κ "
                                        "%.3f; Krippendorff's α %.3f (nominal), %.3f (ordinal)."),
                                      a->n_raters, n_humans, a->n_items, against,
                                      a->fleiss_kappa, a->alpha_nominal, a->alpha_ordinal);
  }
  gtk_label_set_text (self->raters_summary, raters_summary);
  update_charts (self);
}

static void
compute_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ArbDashboardPage) self = user_data;
  g_autoptr(GError) error = NULL;
  Result *r = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_error_matches (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_CANCELLED) ||
      g_task_get_cancellable (G_TASK (result)) != self->cancellable)
    {
      if (r != NULL)
        result_free (r);
      return;
    }
  gtk_spinner_stop (self->spinner);
  g_clear_object (&self->cancellable);
  if (r == NULL)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  g_clear_pointer (&self->stats, arb_stats_free);
  g_clear_pointer (&self->agreement, arb_agreement_free);
  self->stats = g_steal_pointer (&r->stats);
  self->agreement = g_steal_pointer (&r->agreement);

  self->updating = TRUE;
  set_string_list (self->baseline_model, _("Automatic"), r->systems);
  select_string (self->baseline_dropdown, self->baseline);
  set_string_list (self->category_model, _("All"), self->stats->categories);
  select_string (self->category_dropdown, self->category);
  fill_raters_popover (self, r->raters);
  {
    g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
    g_auto(GStrv) items = NULL;

    g_strv_builder_add (b, _("Majority of people"));
    g_strv_builder_addv (b, (const char **) r->raters);
    items = g_strv_builder_end (b);
    set_string_list (self->gold_model, _("Automatic"), items);
    if (g_strcmp0 (self->gold, "majority") == 0)
      gtk_drop_down_set_selected (self->gold_dropdown, 1);
    else
      {
        gtk_drop_down_set_selected (self->gold_dropdown, 0);
        for (guint i = 0; self->gold != NULL && r->raters[i] != NULL; i++)
          if (g_str_equal (r->raters[i], self->gold))
            gtk_drop_down_set_selected (self->gold_dropdown, i + 2);
      }
  }
  self->updating = FALSE;
  result_free (r);

  if (self->stats->n_battles == 0 && self->agreement->n_items == 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  show_results (self);
  gtk_stack_set_visible_child_name (self->stack, "board");
}

/**
 * arb_dashboard_page_refresh:
 *
 * Computes the statistics again for the chosen raters, baseline and category, on a worker
 * thread; the tables keep showing the last results meanwhile.
 */
void
arb_dashboard_page_refresh (ArbDashboardPage *self)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (ARB_IS_DASHBOARD_PAGE (self));

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->workspace == NULL)
    return;
  self->cancellable = g_cancellable_new ();
  job = g_new0 (Job, 1);
  job->path = g_strdup (arb_workspace_get_path (self->workspace));
  job->raters = g_strdupv (self->chosen_raters);
  job->baseline = g_strdup (self->baseline);
  job->category = g_strdup (self->category);
  job->gold = g_strdup (self->gold);
  job->orders = gtk_drop_down_get_selected (self->orders_dropdown) == 1 ? ARB_ORDERS_FASTCHAT
                                                                       : ARB_ORDERS_EACH;
  task = g_task_new (NULL, self->cancellable, compute_done, g_object_ref (self));
  g_task_set_source_tag (task, arb_dashboard_page_refresh);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  gtk_spinner_start (self->spinner);
  g_task_run_in_thread (task, compute_thread);
}

/* ---- choosers */

static void
rater_toggled_cb (GtkCheckButton   *check,
                  ArbDashboardPage *self)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  if (self->updating)
    return;
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->raters_box)); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    if (gtk_check_button_get_active (GTK_CHECK_BUTTON (c)))
      g_strv_builder_add (b, g_object_get_data (G_OBJECT (c), "rater"));
  g_strfreev (self->chosen_raters);
  self->chosen_raters = g_strv_builder_end (b);
  if (self->chosen_raters[0] == NULL)
    g_clear_pointer (&self->chosen_raters, g_strfreev);
  gtk_menu_button_set_label (self->raters_button,
                             self->chosen_raters == NULL ? _("Raters: default") : _("Raters: chosen"));
  arb_dashboard_page_refresh (self);
}

static void
fill_raters_popover (ArbDashboardPage *self,
                     GStrv             raters)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->raters_box))) != NULL)
    gtk_box_remove (self->raters_box, child);
  for (guint i = 0; raters != NULL && raters[i] != NULL; i++)
    {
      g_autofree char *visible = arb_markdown_make_visible (raters[i], -1);
      GtkWidget *check = gtk_check_button_new_with_label (visible);

      g_object_set_data_full (G_OBJECT (check), "rater", g_strdup (raters[i]), g_free);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                                   self->chosen_raters != NULL &&
                                   g_strv_contains ((const char * const *) self->chosen_raters,
                                                    raters[i]));
      g_signal_connect (check, "toggled", G_CALLBACK (rater_toggled_cb), self);
      gtk_box_append (self->raters_box, check);
    }
}

static char *
dropdown_choice (GtkDropDown *dropdown)
{
  guint i = gtk_drop_down_get_selected (dropdown);

  if (i == 0 || i == GTK_INVALID_LIST_POSITION)
    return NULL;
  return g_strdup (gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (dropdown)),
                                               i));
}

static void
choice_changed_cb (ArbDashboardPage *self)
{
  if (self->updating)
    return;
  g_free (self->baseline);
  self->baseline = dropdown_choice (self->baseline_dropdown);
  g_free (self->category);
  self->category = dropdown_choice (self->category_dropdown);
  g_free (self->gold);
  self->gold = gtk_drop_down_get_selected (self->gold_dropdown) == 1
               ? g_strdup ("majority") : dropdown_choice (self->gold_dropdown);
  arb_dashboard_page_refresh (self);
}

void
arb_dashboard_page_set_baseline (ArbDashboardPage *self,
                                 const char       *system)
{
  g_return_if_fail (ARB_IS_DASHBOARD_PAGE (self));
  g_free (self->baseline);
  self->baseline = g_strdup (system);
  arb_dashboard_page_refresh (self);
}

/* ---- the comparison inspector */

static const char *
verdict_text (const ArbVerdictInfo *v)
{
  if (g_strcmp0 (v->status, "ok") != 0)
    return g_strcmp0 (v->status, "failed") == 0 ? _("failed") : _("unparseable");
  if (isnan (v->preference))
    return "?";
  if (v->preference != 0 && v->preference != 0.5 && v->preference != 1)
    return NULL;
  if (v->preference < 0.5)
    return v->strength == 2 ? _("A much better") : _("A better");
  if (v->preference > 0.5)
    return v->strength == 2 ? _("B much better") : _("B better");
  return _("tie");
}

typedef struct
{
  ArbWorkspace    *workspace;
  GArray          *ids;
  ArbResponseView *prompt_view;
  ArbResponseView *a_view;
  ArbResponseView *b_view;
  GtkListBox      *verdicts;
} Inspector;

static void
inspector_free (Inspector *in)
{
  g_object_unref (in->workspace);
  g_array_unref (in->ids);
  g_free (in);
}

static void
add_text_row (GtkListBox *box,
              const char *title,
              const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *t = g_markup_escape_text (title, -1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), t);
  if (subtitle != NULL && *subtitle != '\0')
    {
      /* Long replies are cut for the row: the first 2 000 characters. */
      g_autofree char *cut = g_utf8_substring (subtitle, 0, MIN (g_utf8_strlen (subtitle, -1), 2000));
      g_autofree char *visible = arb_markdown_make_visible (cut, -1);
      g_autofree char *s = g_markup_escape_text (visible, -1);

      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), s);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 6);
    }
  gtk_list_box_append (box, row);
}

static void
inspector_show (Inspector *in,
                gint64     id)
{
  g_autoptr(ArbComparisonView) view = arb_workspace_get_comparison (in->workspace, id, NULL);
  g_autoptr(GPtrArray) verdicts = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (in->verdicts))) != NULL)
    gtk_list_box_remove (in->verdicts, child);
  if (view == NULL)
    return;
  arb_response_view_set_conversation (in->prompt_view, view->messages);
  {
    g_autofree char *a = g_strdup_printf (_("A: %s"), view->a.system);
    g_autofree char *b = g_strdup_printf (_("B: %s"), view->b.system);
    g_autofree char *av = arb_markdown_make_visible (a, -1);
    g_autofree char *bv = arb_markdown_make_visible (b, -1);

    arb_response_view_set_title (in->a_view, av);
    arb_response_view_set_title (in->b_view, bv);
  }
  arb_response_view_set_markdown (in->a_view, view->a.text, view->a.kind);
  arb_response_view_set_markdown (in->b_view, view->b.text, view->b.kind);

  verdicts = arb_workspace_list_verdicts (in->workspace, id, NULL);
  for (guint i = 0; verdicts != NULL && i < verdicts->len; i++)
    {
      ArbVerdictInfo *v = verdicts->pdata[i];
      const char *text = verdict_text (v);
      g_autofree char *value = text ? g_strdup (text)
                                    : g_strdup_printf (_("P(B better) = %.3f"), v->preference);
      g_autofree char *order = v->presented == NULL ? g_strdup ("")
                               : g_strdup_printf (g_str_equal (v->presented, "ab")
                                                  ? _(", A shown first") : _(", B shown first"));
      g_autofree char *sample = v->sample > 0 ? g_strdup_printf (_(", sample %d"), v->sample)
                                              : g_strdup ("");
      /* Translators: rater, kind, verdict, order, sample: "gpt-4 (judge): B better, A shown first" */
      g_autofree char *title = g_strdup_printf (_("%s (%s): %s%s%s"), v->rater, v->kind, value,
                                                order, sample);
      g_autofree char *sub = g_strjoin ("\n", v->rationale ? v->rationale : "",
                                        v->raw ? v->raw : "", NULL);

      add_text_row (in->verdicts, title, g_strstrip (sub));
    }
  for (int side = 0; side < 2; side++)
    {
      const ArbGenerationView *g = side == 0 ? &view->a : &view->b;
      g_autoptr(GPtrArray) grades = arb_workspace_list_grades (in->workspace, g->id, NULL);

      for (guint i = 0; grades != NULL && i < grades->len; i++)
        {
          ArbGradeInfo *gr = grades->pdata[i];
          g_autofree char *title = isnan (gr->score)
            ? g_strdup_printf (_("%s graded %s: %s"), gr->rater, side == 0 ? "A" : "B", gr->status)
            : g_strdup_printf (_("%s graded %s: %.3f"), gr->rater, side == 0 ? "A" : "B", gr->score);

          add_text_row (in->verdicts, title, gr->raw);
        }
    }
  if (gtk_widget_get_first_child (GTK_WIDGET (in->verdicts)) == NULL)
    add_text_row (in->verdicts, _("No verdicts on this comparison yet"), NULL);
}

static void
inspector_row_selected_cb (GtkListBox    *list,
                           GtkListBoxRow *row,
                           Inspector     *in)
{
  int i = row ? gtk_list_box_row_get_index (row) : -1;

  if (i >= 0 && (guint) i < in->ids->len)
    inspector_show (in, g_array_index (in->ids, gint64, i));
}

/**
 * arb_dashboard_page_inspect:
 *
 * Opens a window listing the comparisons of @system with @other (or with any other system),
 * and for the one chosen its prompt, both responses by name, and every verdict (people, judges
 * in both orders with their raw replies) and grade on it.
 *
 * Returns: (transfer none): the window
 */
GtkWindow *
arb_dashboard_page_inspect (ArbDashboardPage *self,
                            const char       *system,
                            const char       *other)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *window, *box, *header, *paned, *list_scroll, *list, *detail_scroll, *detail;
  GtkWidget *responses, *heading;
  g_autofree char *title = NULL;
  Inspector *in;
  GArray *ids;

  g_return_val_if_fail (ARB_IS_DASHBOARD_PAGE (self), NULL);
  g_return_val_if_fail (self->workspace != NULL, NULL);

  ids = arb_workspace_list_comparisons_between (self->workspace, system, other, INSPECT_LIMIT,
                                                &error);
  if (ids == NULL)
    ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  in = g_new0 (Inspector, 1);
  in->workspace = g_object_ref (self->workspace);
  in->ids = ids;

  window = adw_window_new ();
  title = other ? g_strdup_printf (_("%s and %s"), system, other)
                : g_strdup_printf (_("Comparisons of %s"), system);
  gtk_window_set_title (GTK_WINDOW (window), title);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 760);
  if (GTK_IS_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))))
    gtk_window_set_transient_for (GTK_WINDOW (window),
                                  GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))));
  g_object_set_data_full (G_OBJECT (window), "inspector", in, (GDestroyNotify) inspector_free);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  {
    g_autofree char *visible = arb_markdown_make_visible (title, -1);
    g_autofree char *sub = g_strdup_printf (ngettext ("%u comparison", "%u comparisons", ids->len),
                                            ids->len);

    adw_header_bar_set_title_widget (ADW_HEADER_BAR (header),
                                     adw_window_title_new (visible, sub));
  }
  gtk_box_append (GTK_BOX (box), header);
  paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  gtk_paned_set_position (GTK_PANED (paned), 280);
  gtk_widget_set_vexpand (paned, TRUE);
  list_scroll = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (list_scroll), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  list = gtk_list_box_new ();
  gtk_widget_set_name (list, "inspector-list");
  gtk_widget_add_css_class (list, "navigation-sidebar");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (list_scroll), list);
  gtk_paned_set_start_child (GTK_PANED (paned), list_scroll);
  gtk_paned_set_shrink_start_child (GTK_PANED (paned), FALSE);

  detail_scroll = gtk_scrolled_window_new ();
  detail = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_start (detail, 12);
  gtk_widget_set_margin_end (detail, 12);
  gtk_widget_set_margin_top (detail, 12);
  gtk_widget_set_margin_bottom (detail, 12);
  in->prompt_view = g_object_new (ARB_TYPE_RESPONSE_VIEW, NULL);
  arb_response_view_set_title (in->prompt_view, _("Prompt"));
  gtk_box_append (GTK_BOX (detail), GTK_WIDGET (in->prompt_view));
  responses = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_box_set_homogeneous (GTK_BOX (responses), TRUE);
  in->a_view = g_object_new (ARB_TYPE_RESPONSE_VIEW, NULL);
  in->b_view = g_object_new (ARB_TYPE_RESPONSE_VIEW, NULL);
  gtk_widget_set_size_request (GTK_WIDGET (in->a_view), -1, 260);
  gtk_widget_set_size_request (GTK_WIDGET (in->b_view), -1, 260);
  gtk_box_append (GTK_BOX (responses), GTK_WIDGET (in->a_view));
  gtk_box_append (GTK_BOX (responses), GTK_WIDGET (in->b_view));
  gtk_box_append (GTK_BOX (detail), responses);
  heading = gtk_label_new (_("Verdicts and grades"));
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");
  gtk_box_append (GTK_BOX (detail), heading);
  in->verdicts = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_widget_set_name (GTK_WIDGET (in->verdicts), "inspector-verdicts");
  gtk_list_box_set_selection_mode (in->verdicts, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (in->verdicts), "boxed-list");
  gtk_box_append (GTK_BOX (detail), GTK_WIDGET (in->verdicts));
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (detail_scroll), detail);
  gtk_paned_set_end_child (GTK_PANED (paned), detail_scroll);
  gtk_box_append (GTK_BOX (box), paned);
  adw_window_set_content (ADW_WINDOW (window), box);

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(ArbComparisonView) view =
        arb_workspace_get_comparison (self->workspace, g_array_index (ids, gint64, i), NULL);
      g_autofree char *summary = view ? arb_prompt_summary (view->messages) : g_strdup ("?");
      GtkWidget *label = gtk_label_new (summary);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_list_box_append (GTK_LIST_BOX (list), label);
    }
  g_signal_connect (list, "row-selected", G_CALLBACK (inspector_row_selected_cb), in);
  if (ids->len > 0)
    gtk_list_box_select_row (GTK_LIST_BOX (list),
                             gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), 0));
  else
    add_text_row (in->verdicts, _("These systems were never compared"), NULL);

  {
    GtkEventController *keys = gtk_shortcut_controller_new ();

    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                          gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("Escape"),
                                                            gtk_named_action_new ("window.close")));
    gtk_widget_add_controller (window, keys);
  }
  gtk_window_present (GTK_WINDOW (window));
  return GTK_WINDOW (window);
}

static void
leaderboard_activate_cb (ArbDashboardPage *self,
                         guint             position)
{
  GListModel *model = G_LIST_MODEL (gtk_column_view_get_model (self->leaderboard));
  g_autoptr(ArbBoardRow) row = g_list_model_get_item (model, position);

  if (row == NULL || self->stats == NULL)
    return;
  arb_dashboard_page_inspect (self, row->r.system,
                              row->r.is_baseline ? NULL : self->stats->baseline);
}

/* ---- life */

void
arb_dashboard_page_set_workspace (ArbDashboardPage *self,
                                  ArbWorkspace     *workspace)
{
  g_return_if_fail (ARB_IS_DASHBOARD_PAGE (self));

  if (workspace != self->workspace)
    {
      g_set_object (&self->workspace, workspace);
      g_clear_pointer (&self->chosen_raters, g_strfreev);
      g_clear_pointer (&self->baseline, g_free);
      g_clear_pointer (&self->category, g_free);
      g_clear_pointer (&self->gold, g_free);
      g_clear_pointer (&self->stats, arb_stats_free);
      g_clear_pointer (&self->agreement, arb_agreement_free);
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }
  /* Computing costs a bootstrap: only for someone looking (the window refreshes on showing). */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    arb_dashboard_page_refresh (self);
}

const ArbStats *
arb_dashboard_page_get_stats (ArbDashboardPage *self)
{
  g_return_val_if_fail (ARB_IS_DASHBOARD_PAGE (self), NULL);
  return self->cancellable != NULL ? NULL : self->stats;
}

const ArbAgreement *
arb_dashboard_page_get_agreement (ArbDashboardPage *self)
{
  g_return_val_if_fail (ARB_IS_DASHBOARD_PAGE (self), NULL);
  return self->cancellable != NULL ? NULL : self->agreement;
}

/* The systems in the order the leaderboard shows them (its sort). */
GStrv
arb_dashboard_page_get_board_order (ArbDashboardPage *self)
{
  GListModel *model = G_LIST_MODEL (gtk_column_view_get_model (self->leaderboard));
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ArbBoardRow) row = g_list_model_get_item (model, i);

      g_strv_builder_add (b, row->r.system);
    }
  return g_strv_builder_end (b);
}

gboolean
arb_dashboard_page_is_busy (ArbDashboardPage *self)
{
  g_return_val_if_fail (ARB_IS_DASHBOARD_PAGE (self), FALSE);
  return self->cancellable != NULL;
}

static void
arb_dashboard_page_dispose (GObject *object)
{
  ArbDashboardPage *self = ARB_DASHBOARD_PAGE (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), ARB_TYPE_DASHBOARD_PAGE);
  /* The template's outer box has no id, so dispose_template leaves it. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }
  g_clear_object (&self->workspace);
  g_clear_object (&self->board_store);
  g_clear_object (&self->rater_store);
  G_OBJECT_CLASS (arb_dashboard_page_parent_class)->dispose (object);
}

static void
arb_dashboard_page_finalize (GObject *object)
{
  ArbDashboardPage *self = ARB_DASHBOARD_PAGE (object);

  arb_stats_free (self->stats);
  arb_agreement_free (self->agreement);
  g_strfreev (self->chosen_raters);
  g_free (self->baseline);
  g_free (self->category);
  g_free (self->gold);
  for (guint i = 0; i < N_CHARTS; i++)
    g_clear_pointer (&self->charts[i].plot, arb_plot_free);
  G_OBJECT_CLASS (arb_dashboard_page_parent_class)->finalize (object);
}

static void
arb_dashboard_page_class_init (ArbDashboardPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = arb_dashboard_page_dispose;
  object_class->finalize = arb_dashboard_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/arbiter/Arbiter/arb-dashboard-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ArbDashboardPage, raters_button);
  gtk_widget_class_bind_template_child (widget_class, ArbDashboardPage, raters_box);
  gtk_widget_class_bind_template_child (widget_class, ArbDashboardPage, baseline_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ArbDashboardPage, category_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ArbDashboardPage, orders_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ArbDashboardPage, gold_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ArbDashboardPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, ArbDashboardPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ArbDashboardPage, error_page);
  gtk_widget_class_bind_template_child (widget_class, ArbDashboardPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, ArbDashboardPage, leaderboard);
  gtk_widget_class_bind_template_child (widget_class, ArbDashboardPage, charts_box);
  gtk_widget_class_bind_template_child (widget_class, ArbDashboardPage, raters_summary);
  gtk_widget_class_bind_template_child (widget_class, ArbDashboardPage, raters_view);
  gtk_widget_class_bind_template_child (widget_class, ArbDashboardPage, agreement_box);
  gtk_widget_class_bind_template_callback (widget_class, leaderboard_activate_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
arb_dashboard_page_init (ArbDashboardPage *self)
{
  g_type_ensure (ARB_TYPE_RESPONSE_VIEW);
  gtk_widget_init_template (GTK_WIDGET (self));

  self->baseline_model = gtk_string_list_new (NULL);
  self->category_model = gtk_string_list_new (NULL);
  self->gold_model = gtk_string_list_new (NULL);
  set_string_list (self->gold_model, _("Automatic"), NULL);
  gtk_drop_down_set_model (self->gold_dropdown, G_LIST_MODEL (self->gold_model));
  g_object_unref (self->gold_model);
  g_signal_connect_object (self->gold_dropdown, "notify::selected",
                           G_CALLBACK (choice_changed_cb), self, G_CONNECT_SWAPPED);
  set_string_list (self->baseline_model, _("Automatic"), NULL);
  set_string_list (self->category_model, _("All"), NULL);
  gtk_drop_down_set_model (self->baseline_dropdown, G_LIST_MODEL (self->baseline_model));
  gtk_drop_down_set_model (self->category_dropdown, G_LIST_MODEL (self->category_model));
  g_object_unref (self->baseline_model);
  g_object_unref (self->category_model);
  g_signal_connect_object (self->baseline_dropdown, "notify::selected",
                           G_CALLBACK (choice_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->category_dropdown, "notify::selected",
                           G_CALLBACK (choice_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->orders_dropdown, "notify::selected",
                           G_CALLBACK (choice_changed_cb), self, G_CONNECT_SWAPPED);
  setup_tables (self);
  setup_charts (self);
}
