/* test-plan.c: making comparisons
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "arb-import.h"
#include "arb-plan.h"
#include "arb-test-util.h"

static void
test_plan (void)
{
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "ws.arbiter", NULL);
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_create (path, &error);
  g_autoptr(GString) s = g_string_new (NULL);
  ArbPlanOptions all = { 0 }, base = { .baseline = "s0" }, limited = { .per_prompt = 2, .seed = 7 };
  ArbPlanOptions missing = { .baseline = "nope" };
  ArbPlanResult r;
  ArbCounts c;

  /* 5 prompts with 4 systems each: 6 pairs per prompt, 3 with the baseline. */
  for (int p = 0; p < 5; p++)
    {
      g_string_append_printf (s, "{\"prompt\": \"prompt %d\", \"responses\": [", p);
      for (int k = 0; k < 4; k++)
        g_string_append_printf (s, "%s{\"system\": \"s%d\", \"text\": \"answer %d by %d\"}",
                                k ? ", " : "", k, p, k);
      g_string_append (s, "]}\n");
    }
  data = arb_test_write_file (dir, "gens.jsonl", s->str, s->len, FALSE);
  g_assert_nonnull (arb_workspace_import_file (ws, data, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (arb_workspace_plan (ws, &base, &r, NULL, &error));
  g_assert_cmpint (r.prompts, ==, 5);
  g_assert_cmpint (r.added, ==, 15);
  g_assert_true (arb_workspace_plan (ws, &limited, &r, NULL, &error));
  g_assert_cmpint (r.planned, ==, 10);
  g_assert_true (arb_workspace_plan (ws, &all, &r, NULL, &error));
  g_assert_cmpint (r.planned, ==, 30);
  g_assert_true (arb_workspace_get_counts (ws, &c, &error));
  g_assert_cmpint (c.comparisons, ==, 30);
  g_assert_true (arb_workspace_plan (ws, &all, &r, NULL, &error));
  g_assert_cmpint (r.added, ==, 0);

  g_assert_false (arb_workspace_plan (ws, &missing, &r, NULL, &error));
  g_assert_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "s0, s1, s2, s3"));

  g_clear_object (&ws);
  arb_test_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/arbiter/plan/pairs", test_plan);
  return g_test_run ();
}
