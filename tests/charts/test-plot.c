/* test-plot.c: arbiter-cli plot on the PandaLM sample, every chart in every format, read back
 * (suite core)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <cairo.h>

#include "arb-test-util.h"

#define RUN(run, ...) \
  G_STMT_START { \
    const char *args_[] = { __VA_ARGS__, NULL }; \
    arb_test_run_cliv ((run), args_); \
  } G_STMT_END

static char *tmp_dir;
static char *ws;

/* PandaLM's first 200 test records with both judges' files: 5 systems, 3 annotators and 2
 * judges. Imported once for every test. */
static void
make_workspace (void)
{
  g_autofree char *data = g_build_filename (arb_test_shared_data (), "pandalm_testset", "data", NULL);
  g_autofree char *f1 = g_build_filename (data, "testset-v1.first200.json", NULL);
  g_autofree char *f2 = g_build_filename (data, "gpt-3.5-turbo-testset-v1.first200.json", NULL);
  g_autofree char *f3 = g_build_filename (data, "pandalm-7b-testset-v1.first200.json", NULL);
  g_auto(ArbTestRun) run = { 0 };

  tmp_dir = arb_test_mkdtemp ();
  ws = g_build_filename (tmp_dir, "p.arbiter", NULL);
  RUN (&run, "init", ws);
  g_assert_cmpint (run.status, ==, 0);
  RUN (&run, "import", ws, f1, f2, f3);
  g_assert_cmpint (run.status, ==, 0);
}

typedef struct
{
  gboolean seen;
  char    *root;
  char    *width;
  char    *height;
} SvgRoot;

static void
svg_start (GMarkupParseContext *context,
           const char          *element,
           const char         **names,
           const char         **values,
           gpointer             user_data,
           GError             **error)
{
  SvgRoot *root = user_data;

  if (root->seen)
    return;
  root->seen = TRUE;
  root->root = g_strdup (element);
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], "width"))
      root->width = g_strdup (values[i]);
    else if (g_str_equal (names[i], "height"))
      root->height = g_strdup (values[i]);
}

/* strstr over binary data (a PDF has NUL bytes in its streams). */
static gboolean
contains (const char *data,
          gsize       len,
          const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= len; i++)
    if (memcmp (data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

/* Reads a chart back the way a viewer would: the PNG decoded by cairo at the size asked, the
 * SVG parsed as XML with an <svg> root of that width and height, the PDF a whole file from
 * "%PDF-" to "%%EOF" with a page. */
static void
read_back (const char *path,
           int         width,
           int         height)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (len, >, 1000);
  if (g_str_has_suffix (path, ".png"))
    {
      cairo_surface_t *s = cairo_image_surface_create_from_png (path);

      g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
      g_assert_cmpint (cairo_image_surface_get_width (s), ==, width);
      g_assert_cmpint (cairo_image_surface_get_height (s), ==, height);
      cairo_surface_destroy (s);
    }
  else if (g_str_has_suffix (path, ".svg"))
    {
      GMarkupParser parser = { svg_start, NULL, NULL, NULL, NULL };
      SvgRoot root = { 0 };
      GMarkupParseContext *ctx = g_markup_parse_context_new (&parser, 0, &root, NULL);
      const char *body = contents;

      /* GMarkup does not take the XML declaration. */
      if (g_str_has_prefix (body, "<?xml"))
        {
          body = strstr (body, "?>");
          g_assert_nonnull (body);
          body += 2;
        }
      g_assert_true (g_markup_parse_context_parse (ctx, body, -1, &error));
      g_assert_no_error (error);
      g_assert_true (g_markup_parse_context_end_parse (ctx, &error));
      g_assert_no_error (error);
      g_markup_parse_context_free (ctx);
      g_assert_cmpstr (root.root, ==, "svg");
      g_assert_nonnull (root.width);
      g_assert_nonnull (root.height);
      g_assert_cmpfloat (g_ascii_strtod (root.width, NULL), ==, width);
      g_assert_cmpfloat (g_ascii_strtod (root.height, NULL), ==, height);
      g_free (root.root);
      g_free (root.width);
      g_free (root.height);
    }
  else
    {
      g_assert_true (g_str_has_suffix (path, ".pdf"));
      g_assert_true (g_str_has_prefix (contents, "%PDF-"));
      while (len > 0 && g_ascii_isspace (contents[len - 1]))
        len--;
      g_assert_true (len >= 5 && memcmp (contents + len - 5, "%%EOF", 5) == 0);
      g_assert_true (contains (contents, len, "/Type /Page"));
    }
}

static void
test_every_chart (void)
{
  static const char *charts[] = { "ratings", "win-matrix", "length", "agreement" };
  static const char *exts[] = { "png", "svg", "pdf" };

  for (guint c = 0; c < G_N_ELEMENTS (charts); c++)
    for (guint e = 0; e < G_N_ELEMENTS (exts); e++)
      {
        g_autofree char *name = g_strdup_printf ("%s.%s", charts[c], exts[e]);
        g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
        g_auto(ArbTestRun) run = { 0 };

        RUN (&run, "plot", ws, "--chart", charts[c], "-o", path, "--bootstrap", "200");
        g_assert_cmpint (run.status, ==, 0);
        g_assert_nonnull (strstr (run.out, path));
        read_back (path, 800, 500);
      }
}

/* The size asked for, and the options that choose the data. */
static void
test_options (void)
{
  g_autofree char *png = g_build_filename (tmp_dir, "small.png", NULL);
  g_autofree char *svg = g_build_filename (tmp_dir, "small.svg", NULL);
  g_autofree char *pdf = g_build_filename (tmp_dir, "small.pdf", NULL);
  g_auto(ArbTestRun) run = { 0 };

  RUN (&run, "plot", ws, "--chart", "ratings", "-o", png, "--width", "640", "--height", "420",
       "--baseline", "bloom-7b", "--rater", "pandalm/annotator1", "--seed", "7",
       "--bootstrap", "100");
  g_assert_cmpint (run.status, ==, 0);
  read_back (png, 640, 420);
  RUN (&run, "plot", ws, "--chart", "length", "-o", svg, "--width", "1000", "--height", "600",
       "--baseline", "opt-7b");
  g_assert_cmpint (run.status, ==, 0);
  read_back (svg, 1000, 600);
  RUN (&run, "plot", ws, "--chart", "agreement", "-o", pdf, "--rater", "pandalm/annotator1",
       "--rater", "pandalm/annotator2", "--rater", "pandalm/pandalm-7b");
  g_assert_cmpint (run.status, ==, 0);
  read_back (pdf, 800, 500);

  /* The same seed draws the same chart, byte for byte. */
  {
    g_autofree char *a = g_build_filename (tmp_dir, "seed-a.svg", NULL);
    g_autofree char *b = g_build_filename (tmp_dir, "seed-b.svg", NULL);
    g_autofree char *ca = NULL, *cb = NULL;

    RUN (&run, "plot", ws, "--chart", "ratings", "-o", a, "--seed", "3", "--bootstrap", "100");
    g_assert_cmpint (run.status, ==, 0);
    RUN (&run, "plot", ws, "--chart", "ratings", "-o", b, "--seed", "3", "--bootstrap", "100");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (g_file_get_contents (a, &ca, NULL, NULL));
    g_assert_true (g_file_get_contents (b, &cb, NULL, NULL));
    g_assert_cmpstr (ca, ==, cb);
  }
}

static void
test_errors (void)
{
  g_autofree char *jpg = g_build_filename (tmp_dir, "chart.jpg", NULL);
  g_autofree char *none = g_build_filename (tmp_dir, "chart", NULL);
  g_autofree char *png = g_build_filename (tmp_dir, "never.png", NULL);
  g_autofree char *missing = g_build_filename (tmp_dir, "no-such-folder", "chart.png", NULL);
  g_auto(ArbTestRun) run = { 0 };

  /* A file name of another kind is wrong usage (2), and nothing is written. */
  RUN (&run, "plot", ws, "--chart", "ratings", "-o", jpg);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, ".png, .svg or .pdf"));
  g_assert_false (g_file_test (jpg, G_FILE_TEST_EXISTS));
  RUN (&run, "plot", ws, "--chart", "ratings", "-o", none);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_false (g_file_test (none, G_FILE_TEST_EXISTS));

  /* An unknown chart: usage, with the names there are. */
  RUN (&run, "plot", ws, "--chart", "pie", "-o", png);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "“pie”"));
  g_assert_nonnull (strstr (run.err, "ratings, win-matrix, length and agreement"));
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));

  /* Missing pieces and bad numbers. */
  RUN (&run, "plot", ws, "-o", png);
  g_assert_cmpint (run.status, ==, 2);
  RUN (&run, "plot", ws, "--chart", "ratings");
  g_assert_cmpint (run.status, ==, 2);
  RUN (&run, "plot", ws, "--chart", "ratings", "-o", png, "--width", "5");
  g_assert_cmpint (run.status, ==, 2);
  RUN (&run, "plot", ws, "--chart", "ratings", "-o", png, "--bootstrap", "-1");
  g_assert_cmpint (run.status, ==, 2);
  RUN (&run, "plot", "--chart", "ratings", "-o", png);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));

  /* The work cannot be done (1): a folder that is not there, a system that is not there, a
   * workspace that is not there, one rater for agreement. */
  RUN (&run, "plot", ws, "--chart", "win-matrix", "-o", missing);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "chart.png"));
  RUN (&run, "plot", ws, "--chart", "ratings", "-o", png, "--baseline", "no-such-system");
  g_assert_cmpint (run.status, ==, 1);
  RUN (&run, "plot", "/nonexistent/w.arbiter", "--chart", "ratings", "-o", png);
  g_assert_cmpint (run.status, ==, 1);
  RUN (&run, "plot", ws, "--chart", "agreement", "-o", png, "--rater", "pandalm/annotator1");
  g_assert_cmpint (run.status, ==, 1);
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));

  /* No temporary file is left behind by any of these. */
  {
    GDir *d = g_dir_open (tmp_dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (d)) != NULL)
      g_assert_false (name[0] == '.');
    g_dir_close (d);
  }
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/arbiter/plot/every-chart", test_every_chart);
  g_test_add_func ("/arbiter/plot/options", test_options);
  g_test_add_func ("/arbiter/plot/errors", test_errors);
  make_workspace ();
  status = g_test_run ();
  arb_test_rmdir (tmp_dir);
  g_free (ws);
  g_free (tmp_dir);
  return status;
}
