/* test-dashboard.c: the dashboard page shows what arbiter-cli stats and agreement say (suite gui)
 *
 * The PandaLM sample (3 people, 2 judges, 5 systems) opened in a real window: the page's
 * ratings, bounds, win rates and κs equal the CLI's JSON; the leaderboard sorts by any column;
 * another baseline moves the anchor; the inspector lists exactly the comparisons of a pair with
 * every verdict on the first; an empty workspace says what to do.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <math.h>
#include <sqlite3.h>

#include "arb-application.h"
#include "arb-chart.h"
#include "arb-dashboard-page.h"
#include "arb-gui-test-util.h"
#include "arb-json-reader.h"
#include "arb-test-util.h"
#include "arb-window.h"

void arbiter_register_resource (void);

static ArbApplication *app;
static ArbWindow *window;
static char *tmpdir;

static void
save_docs_screenshot (GtkWidget  *widget,
                      const char *name)
{
  const char *docs = g_getenv ("ARB_SCREENSHOT_DIR");

  if (docs != NULL)
    {
      g_autofree char *path = g_build_filename (docs, name, NULL);

      arb_gui_test_flush ();
      arb_gui_test_screenshot (widget, path);
      g_test_message ("screenshot saved to %s", path);
    }
}

static char *
pandalm_workspace (void)
{
  char *ws = g_build_filename (tmpdir, "pandalm.arbiter", NULL);
  g_autofree char *data = g_build_filename (arb_test_shared_data (), "pandalm_testset", "data", NULL);
  g_autofree char *f1 = g_build_filename (data, "testset-v1.first200.json", NULL);
  g_autofree char *f2 = g_build_filename (data, "gpt-3.5-turbo-testset-v1.first200.json", NULL);
  g_autofree char *f3 = g_build_filename (data, "pandalm-7b-testset-v1.first200.json", NULL);
  g_auto(ArbTestRun) run = { 0 };

  if (!g_file_test (ws, G_FILE_TEST_EXISTS))
    {
      const char *init[] = { "init", ws, NULL };
      const char *import[] = { "import", ws, f1, f2, f3, NULL };

      arb_test_run_cliv (&run, init);
      g_assert_cmpint (run.status, ==, 0);
      arb_test_run_cliv (&run, import);
      g_assert_cmpint (run.status, ==, 0);
    }
  return ws;
}

static json_object *
cli_json (const char * const *args)
{
  g_auto(ArbTestRun) run = { 0 };
  json_object *o;

  arb_test_run_cliv (&run, args);
  g_assert_cmpint (run.status, ==, 0);
  o = json_tokener_parse (run.out);
  g_assert_nonnull (o);
  return o;
}

static double
jd (json_object *o,
    const char  *key)
{
  json_object *v = json_object_object_get (o, key);

  return v == NULL ? NAN : json_object_get_double (v);
}

static ArbDashboardPage *
open_dashboard (const char *ws)
{
  g_autoptr(GFile) file = g_file_new_for_path (ws);
  ArbDashboardPage *page;

  g_assert_true (arb_window_open_workspace (window, file));
  arb_window_show_page (window, "dashboard");
  page = ARB_DASHBOARD_PAGE (arb_window_get_page (window, "dashboard"));
  ARB_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (page)), 10);
  ARB_WAIT_UNTIL (arb_dashboard_page_get_stats (page) != NULL, 30);
  return page;
}

static GtkColumnViewColumn *
column_titled (GtkColumnView *view,
               const char    *title)
{
  GListModel *columns = gtk_column_view_get_columns (view);

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item (columns, i);

      if (g_strcmp0 (gtk_column_view_column_get_title (c), title) == 0)
        return c;
    }
  g_error ("no column %s", title);
  return NULL;
}

static GtkColumnView *
find_view (GtkWidget *root,
           guint      nth)
{
  if (GTK_IS_COLUMN_VIEW (root))
    {
      if (nth == 0)
        return GTK_COLUMN_VIEW (root);
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkColumnView *found;

      if (GTK_IS_COLUMN_VIEW (c))
        {
          if (nth == 0)
            return GTK_COLUMN_VIEW (c);
          nth--;
          continue;
        }
      found = find_view (c, nth);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_equals_cli (void)
{
  g_autofree char *ws = pandalm_workspace ();
  ArbDashboardPage *page = open_dashboard (ws);
  const ArbStats *stats = arb_dashboard_page_get_stats (page);
  const ArbAgreement *ag = arb_dashboard_page_get_agreement (page);
  const char *stats_args[] = { "stats", ws, "--format", "json", NULL };
  const char *ag_args[] = { "agreement", ws, "--format", "json", NULL };
  g_autoptr(json_object) cli = cli_json (stats_args);
  g_autoptr(json_object) cli_ag = cli_json (ag_args);
  json_object *systems = json_object_object_get (cli, "systems");
  GtkColumnView *board;
  GListModel *model;

  g_assert_cmpstr (stats->baseline, ==, json_object_get_string (json_object_object_get (cli, "baseline")));
  g_assert_cmpuint (stats->systems->len, ==, json_object_array_length (systems));
  g_assert_cmpuint (stats->systems->len, ==, 5);
  for (guint i = 0; i < stats->systems->len; i++)
    {
      const ArbSystemResult *r = stats->systems->pdata[i];
      json_object *o = json_object_array_get_idx (systems, i);

      g_assert_cmpstr (r->system, ==, json_object_get_string (json_object_object_get (o, "system")));
      g_assert_cmpfloat_with_epsilon (r->rating, jd (o, "rating"), 1e-9);
      g_assert_cmpfloat_with_epsilon (r->ci_low, jd (o, "ci_low"), 1e-9);
      g_assert_cmpfloat_with_epsilon (r->ci_high, jd (o, "ci_high"), 1e-9);
      if (!r->is_baseline)
        g_assert_cmpfloat_with_epsilon (r->win_rate.win_rate, jd (o, "win_rate"), 1e-9);
    }
  g_assert_cmpfloat_with_epsilon (ag->fleiss_kappa, jd (cli_ag, "fleiss_kappa"), 1e-12);
  g_assert_cmpuint (ag->raters->len, ==, 5);

  /* The leaderboard shows every system, best rating first; sorted by win rate on request. */
  board = find_view (GTK_WIDGET (page), 0);
  g_assert_nonnull (board);
  model = G_LIST_MODEL (gtk_column_view_get_model (board));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 5);
  g_assert_nonnull (arb_gui_test_find_label (GTK_WIDGET (page), "(baseline)"));
  {
    const ArbSystemResult *best = stats->systems->pdata[0];
    g_autofree char *rating = g_strdup_printf ("%.1f", best->rating);

    g_assert_nonnull (arb_gui_test_find_label (GTK_WIDGET (board), rating));
  }
  gtk_column_view_sort_by_column (board, column_titled (board, "Win rate"), GTK_SORT_ASCENDING);
  arb_gui_test_flush ();
  {
    g_auto(GStrv) order = arb_dashboard_page_get_board_order (page);
    double last = -INFINITY;

    g_assert_cmpuint (g_strv_length (order), ==, 5);
    for (guint i = 0; order[i] != NULL; i++)
      for (guint k = 0; k < stats->systems->len; k++)
        {
          const ArbSystemResult *r = stats->systems->pdata[k];

          if (g_str_equal (r->system, order[i]))
            {
              g_assert_cmpfloat (r->win_rate.win_rate, >=, last);
              last = r->win_rate.win_rate;
            }
        }
  }
  gtk_column_view_sort_by_column (board, column_titled (board, "Rating"), GTK_SORT_DESCENDING);
}

/* Another baseline: it is the anchor at 1000 and win rates are against it. */
static void
test_baseline (void)
{
  g_autofree char *ws = pandalm_workspace ();
  ArbDashboardPage *page = open_dashboard (ws);
  const ArbStats *stats;

  arb_dashboard_page_set_baseline (page, "bloom-7b");
  g_assert_true (arb_dashboard_page_is_busy (page));
  ARB_WAIT_UNTIL (arb_dashboard_page_get_stats (page) != NULL, 30);
  stats = arb_dashboard_page_get_stats (page);
  g_assert_cmpstr (stats->baseline, ==, "bloom-7b");
  for (guint i = 0; i < stats->systems->len; i++)
    {
      const ArbSystemResult *r = stats->systems->pdata[i];

      g_assert_cmpint (r->is_baseline, ==, g_str_equal (r->system, "bloom-7b"));
      if (r->is_baseline)
        g_assert_cmpfloat_with_epsilon (r->rating, 1000.0, 1e-6);
    }
  arb_dashboard_page_set_baseline (page, NULL);
  ARB_WAIT_UNTIL (arb_dashboard_page_get_stats (page) != NULL, 30);
}

/* Gold: the majority of the three people, chosen in the toolbar, as `agreement --gold majority`. */
static void
test_gold (void)
{
  g_autofree char *ws = pandalm_workspace ();
  ArbDashboardPage *page = open_dashboard (ws);
  GtkWidget *gold = arb_gui_test_find (GTK_WIDGET (page), "gold-dropdown");
  const char *args[] = { "agreement", ws, "--gold", "majority", "--format", "json", NULL };
  g_autoptr(json_object) cli = cli_json (args);
  json_object *raters = json_object_object_get (cli, "raters");
  const ArbAgreement *ag;

  g_assert_nonnull (gold);
  g_assert_null (arb_dashboard_page_get_agreement (page)->gold);
  g_assert_nonnull (arb_gui_test_find_label (GTK_WIDGET (page), "Accuracy needs gold labels"));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (gold), 1);
  ARB_WAIT_UNTIL (arb_dashboard_page_get_agreement (page) != NULL &&
                  arb_dashboard_page_get_agreement (page)->gold != NULL, 30);
  ag = arb_dashboard_page_get_agreement (page);
  g_assert_cmpstr (ag->gold, ==, "majority");
  g_assert_cmpuint (ag->raters->len, ==, json_object_array_length (raters));
  for (guint i = 0; i < ag->raters->len; i++)
    {
      const ArbRaterResult *r = ag->raters->pdata[i];
      json_object *o = json_object_array_get_idx (raters, i);

      g_assert_cmpstr (r->rater, ==, json_object_get_string (json_object_object_get (o, "rater")));
      g_assert_cmpfloat_with_epsilon (r->accuracy.accuracy, jd (o, "accuracy"), 1e-12);
    }
  arb_gui_test_flush ();
  g_assert_nonnull (arb_gui_test_find_label (GTK_WIDGET (page), "against the majority"));
  save_docs_screenshot (GTK_WIDGET (window), "screenshot-dashboard.png");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (gold), 0);
  ARB_WAIT_UNTIL (arb_dashboard_page_get_agreement (page) != NULL, 30);
}

/* The inspector: the comparisons of a pair, and every verdict on the one shown. */
static void
test_inspector (void)
{
  g_autofree char *ws = pandalm_workspace ();
  ArbDashboardPage *page = open_dashboard (ws);
  GtkWindow *inspector = arb_dashboard_page_inspect (page, "bloom-7b", "llama-7b");
  GtkWidget *list, *verdicts;
  guint rows = 0, n_verdicts = 0;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int want;

  ARB_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (inspector)), 10);
  arb_gui_test_flush ();
  list = arb_gui_test_find (GTK_WIDGET (inspector), "inspector-list");
  verdicts = arb_gui_test_find (GTK_WIDGET (inspector), "inspector-verdicts");
  g_assert_nonnull (list);
  g_assert_nonnull (verdicts);
  for (GtkWidget *c = gtk_widget_get_first_child (list); c; c = gtk_widget_get_next_sibling (c))
    rows++;
  for (GtkWidget *c = gtk_widget_get_first_child (verdicts); c; c = gtk_widget_get_next_sibling (c))
    n_verdicts++;
  g_assert_cmpint (sqlite3_open_v2 (ws, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT count(*) FROM comparisons c"
                                       " JOIN generations ga ON ga.id = c.a_id JOIN systems sa ON sa.id = ga.system_id"
                                       " JOIN generations gb ON gb.id = c.b_id JOIN systems sb ON sb.id = gb.system_id"
                                       " WHERE (sa.name = 'bloom-7b' AND sb.name = 'llama-7b')"
                                       " OR (sa.name = 'llama-7b' AND sb.name = 'bloom-7b')",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  want = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_test_message ("bloom-7b and llama-7b: %d comparisons, %u verdicts on the first", want,
                  n_verdicts);
  g_assert_cmpint (want, >, 0);
  g_assert_cmpuint (rows, ==, (guint) want);
  /* Five raters judged every PandaLM item: three people and two judges. */
  g_assert_cmpuint (n_verdicts, ==, 5);
  g_assert_nonnull (arb_gui_test_find_label (verdicts, "pandalm/annotator1 (human)"));
  save_docs_screenshot (GTK_WIDGET (inspector), "screenshot-inspector.png");
  gtk_window_destroy (inspector);
  ARB_ASSERT_NO_BUSY_STATEMENTS (arb_window_get_workspace (window));
}

static GtkWidget *
find_drawing_area (GtkWidget *root)
{
  if (GTK_IS_DRAWING_AREA (root))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_drawing_area (c);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The charts: drawn (not blank), a click on a cell of the win matrix opens that pair's
 * comparisons, and each saves as PNG, SVG and PDF. */
static void
test_charts (void)
{
  g_autofree char *ws = pandalm_workspace ();
  ArbDashboardPage *page = open_dashboard (ws);
  const ArbStats *stats = arb_dashboard_page_get_stats (page);
  static const char *names[] = { "ratings", "win-matrix", "length", "agreement" };
  GtkWidget *matrix = arb_gui_test_find (GTK_WIDGET (page), "win-matrix");
  GtkWidget *area;
  GtkWindow *inspector;
  double x, y, cw, ch;
  g_autofree char *want = NULL;

  g_assert_nonnull (matrix);
  area = find_drawing_area (matrix);
  g_assert_nonnull (area);
  arb_gui_test_flush ();
  g_assert_cmpint (gtk_widget_get_width (area), >, 100);
  g_assert_true (arb_chart_heatmap_cell (gtk_widget_get_width (area), gtk_widget_get_height (area),
                                         stats->n_systems, stats->n_systems, 0, 1, &x, &y, &cw, &ch));
  /* The diagonal opens nothing; an off-diagonal cell opens the inspector on its two systems. */
  {
    double dx, dy;

    g_assert_true (arb_chart_heatmap_cell (gtk_widget_get_width (area), gtk_widget_get_height (area),
                                           stats->n_systems, stats->n_systems, 1, 1, &dx, &dy,
                                           &cw, &ch));
    g_assert_null (arb_dashboard_page_click_chart (page, "win-matrix", dx + cw / 2, dy + ch / 2));
  }
  inspector = arb_dashboard_page_click_chart (page, "win-matrix", x + cw / 2, y + ch / 2);
  g_assert_nonnull (inspector);
  want = g_strdup_printf ("%s and %s", ((ArbSystemResult *) stats->systems->pdata[0])->system,
                          ((ArbSystemResult *) stats->systems->pdata[1])->system);
  g_assert_cmpstr (gtk_window_get_title (inspector), ==, want);
  gtk_window_destroy (inspector);
  save_docs_screenshot (gtk_widget_get_parent (matrix), "screenshot-dashboard-charts.png");
  save_docs_screenshot (gtk_widget_get_parent (arb_gui_test_find (GTK_WIDGET (page), "agreement")),
                        "screenshot-dashboard-agreement.png");

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *png = g_strdup_printf ("%s/%s.png", tmpdir, names[i]);
      g_autofree char *pdf = g_strdup_printf ("%s/%s.pdf", tmpdir, names[i]);
      g_autofree char *svg = g_strdup_printf ("%s/%s.svg", tmpdir, names[i]);
      g_autoptr(GError) error = NULL;
      cairo_surface_t *image;
      g_autofree char *head = NULL;

      g_assert_true (arb_dashboard_page_save_chart (page, names[i], png, &error));
      g_assert_no_error (error);
      g_assert_true (arb_dashboard_page_save_chart (page, names[i], pdf, &error));
      g_assert_true (arb_dashboard_page_save_chart (page, names[i], svg, &error));
      image = cairo_image_surface_create_from_png (png);
      g_assert_cmpint (cairo_surface_status (image), ==, CAIRO_STATUS_SUCCESS);
      g_assert_cmpint (cairo_image_surface_get_width (image), ==, 1200);
      g_assert_cmpint (cairo_image_surface_get_height (image), ==, 750);
      cairo_surface_destroy (image);
      g_assert_true (g_file_get_contents (pdf, &head, NULL, NULL));
      g_assert_true (g_str_has_prefix (head, "%PDF-"));
      g_clear_pointer (&head, g_free);
      g_assert_true (g_file_get_contents (svg, &head, NULL, NULL));
      g_assert_nonnull (strstr (head, "<svg"));
    }
  {
    g_autofree char *bad = g_strdup_printf ("%s/ratings.gif", tmpdir);
    g_autoptr(GError) error = NULL;

    g_assert_false (arb_dashboard_page_save_chart (page, "ratings", bad, &error));
    g_assert_nonnull (error);
    g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
  }
}

/* A workspace without verdicts says what to do. */
static void
test_empty (void)
{
  g_autofree char *ws = g_build_filename (tmpdir, "empty.arbiter", NULL);
  const char *init[] = { "init", ws, NULL };
  g_auto(ArbTestRun) run = { 0 };
  ArbDashboardPage *page;

  arb_test_run_cliv (&run, init);
  g_assert_cmpint (run.status, ==, 0);
  page = open_dashboard (ws);
  arb_gui_test_flush ();
  g_assert_nonnull (arb_gui_test_find_label (GTK_WIDGET (page), "No Verdicts Between Systems Yet"));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  arbiter_register_resource ();
  tmpdir = g_dir_make_tmp ("arbiter-dashboard-XXXXXX", &error);
  g_assert_no_error (error);
  app = arb_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  window = arb_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  ARB_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (window)), 10);

  g_test_add_func ("/arbiter/gui/dashboard/equals-cli", test_equals_cli);
  g_test_add_func ("/arbiter/gui/dashboard/baseline", test_baseline);
  g_test_add_func ("/arbiter/gui/dashboard/gold", test_gold);
  g_test_add_func ("/arbiter/gui/dashboard/inspector", test_inspector);
  g_test_add_func ("/arbiter/gui/dashboard/charts", test_charts);
  g_test_add_func ("/arbiter/gui/dashboard/empty", test_empty);
  status = g_test_run ();
  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&app);
  arb_test_rmdir (tmpdir);
  return status;
}
