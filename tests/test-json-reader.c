/* test-json-reader.c: the streaming JSON reader
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "arb-json-reader.h"
#include "arb-test-util.h"

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  f->dir = arb_test_mkdtemp ();
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  arb_test_rmdir (f->dir);
  g_free (f->dir);
}

/* Reads every value; returns how many, and the first error (if any) in error. */
static guint
read_all (const char *path,
          GPtrArray  *values,
          GError    **error)
{
  g_autoptr(ArbJsonReader) reader = arb_json_reader_new_for_path (path, error);
  guint n = 0;

  if (reader == NULL)
    return 0;
  for (;;)
    {
      json_object *value = NULL;

      if (!arb_json_reader_next (reader, &value, NULL, error))
        break;
      n++;
      if (values != NULL)
        g_ptr_array_add (values, g_strdup (json_object_to_json_string_ext (value,
                                                                            JSON_C_TO_STRING_PLAIN)));
      json_object_put (value);
    }
  return n;
}

static void
test_jsonl (Fixture      *f,
            gconstpointer data)
{
  g_autofree char *path = arb_test_write_file (f->dir, "a.jsonl",
                                               "{\"a\":1}\n{\"a\":2}\r\n\n  {\"a\":\"é\"}\n", -1,
                                               FALSE);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (read_all (path, values, &error), ==, 3);
  g_assert_no_error (error);
  g_assert_cmpstr (g_ptr_array_index (values, 2), ==, "{\"a\":\"é\"}");
}

static void
test_array (Fixture      *f,
            gconstpointer data)
{
  g_autofree char *path = arb_test_write_file (f->dir, "a.json",
                                               "\xEF\xBB\xBF[\n {\"a\": 1},\n {\"a\": [1, 2]} ,{\"a\":3}\n]\n",
                                               -1, FALSE);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbJsonReader) reader = NULL;
  json_object *value = NULL;

  g_assert_cmpuint (read_all (path, values, &error), ==, 3);
  g_assert_no_error (error);
  g_assert_cmpstr (g_ptr_array_index (values, 1), ==, "{\"a\":[1,2]}");

  reader = arb_json_reader_new_for_path (path, &error);
  g_assert_true (arb_json_reader_next (reader, &value, NULL, &error));
  g_assert_true (arb_json_reader_is_array (reader));
  g_assert_cmpuint (arb_json_reader_get_line (reader), ==, 2);
  json_object_put (value);
}

static void
test_array_errors (Fixture      *f,
                   gconstpointer data)
{
  g_autofree char *open = arb_test_write_file (f->dir, "open.json", "[{\"a\":1},\n{\"a\":2}\n", -1,
                                               FALSE);
  g_autofree char *sep = arb_test_write_file (f->dir, "sep.json", "[{\"a\":1} {\"a\":2}]", -1,
                                              FALSE);
  g_autofree char *after = arb_test_write_file (f->dir, "after.json", "[{\"a\":1}] x", -1, FALSE);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (read_all (open, NULL, &error), ==, 2);
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_SYNTAX);
  g_assert_nonnull (strstr (error->message, "closing ']'"));
  g_clear_error (&error);

  g_assert_cmpuint (read_all (sep, NULL, &error), ==, 1);
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_SYNTAX);
  g_assert_nonnull (strstr (error->message, "sep.json:1:10:"));
  g_clear_error (&error);

  g_assert_cmpuint (read_all (after, NULL, &error), ==, 1);
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_SYNTAX);
}

static void
test_concatenated (Fixture      *f,
                   gconstpointer data)
{
  g_autofree char *path = arb_test_write_file (f->dir, "c.json",
                                               "{\"a\":1}{\"a\":2} {\"a\":3}\n{\"a\":\n4}", -1, FALSE);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (read_all (path, values, &error), ==, 4);
  g_assert_no_error (error);
  g_assert_cmpstr (g_ptr_array_index (values, 3), ==, "{\"a\":4}");
}

static void
test_empty (Fixture      *f,
            gconstpointer data)
{
  g_autofree char *empty = arb_test_write_file (f->dir, "e.jsonl", "", 0, FALSE);
  g_autofree char *blank = arb_test_write_file (f->dir, "b.jsonl", " \n\n\t\n", -1, FALSE);
  g_autofree char *gz = arb_test_write_file (f->dir, "e.jsonl.gz", "", 0, TRUE);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (read_all (empty, NULL, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (read_all (blank, NULL, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (read_all (gz, NULL, &error), ==, 0);
  g_assert_no_error (error);
}

static void
test_broken_line (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree char *path = NULL;
  g_autoptr(ArbJsonReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 0, errors = 0;

  for (int i = 1; i <= 10; i++)
    g_string_append_printf (s, i == 7 ? "{\"line\": %d,, }\n" : "{\"line\": %d}\n", i);
  path = arb_test_write_file (f->dir, "broken.jsonl", s->str, s->len, FALSE);

  reader = arb_json_reader_new_for_path (path, &error);
  for (;;)
    {
      json_object *value = NULL;

      if (arb_json_reader_next (reader, &value, NULL, &error))
        {
          n++;
          json_object_put (value);
          continue;
        }
      if (error == NULL)
        break;
      errors++;
      g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_SYNTAX);
      /* line 7, the column of the second comma: code points, 1-based */
      g_assert_nonnull (strstr (error->message, "broken.jsonl:7:12:"));
      g_clear_error (&error);
      g_assert_true (arb_json_reader_recover (reader, NULL, &error));
    }
  g_assert_cmpuint (n, ==, 9);
  g_assert_cmpuint (errors, ==, 1);
}

static void
test_invalid_utf8 (Fixture      *f,
                   gconstpointer data)
{
  g_autofree char *path = arb_test_write_file (f->dir, "u.jsonl",
                                               "{\"a\":\"ok\"}\n{\"a\":\"é\xff\xfe\"}\n", -1, FALSE);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (read_all (path, NULL, &error), ==, 1);
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_UTF8);
  g_assert_nonnull (strstr (error->message, "u.jsonl:2:"));
}

static void
test_nul (Fixture      *f,
          gconstpointer data)
{
  g_autofree char *path = arb_test_write_file (f->dir, "n.jsonl",
                                               "{\"a\":\"ok\"}\n{\"text\":\"a\\u0000b\"}\n", -1, FALSE);
  g_autofree char *raw = arb_test_write_file (f->dir, "raw.jsonl", "{\"a\":\"x\0y\"}\n", 13,
                                              FALSE);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (read_all (path, NULL, &error), ==, 1);
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_NUL);
  g_assert_nonnull (strstr (error->message, "n.jsonl:2:1:"));
  g_assert_nonnull (strstr (error->message, "\"text\""));
  g_clear_error (&error);

  /* A raw NUL byte is not JSON at all. */
  g_assert_cmpuint (read_all (raw, NULL, &error), ==, 0);
  g_assert_nonnull (error);
  g_assert_true (error->domain == ARB_IMPORT_ERROR);
}

static void
test_deep (Fixture      *f,
           gconstpointer data)
{
  const gsize depth = 100000;
  g_autofree char *buf = g_malloc (depth * 2 + 2);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  memset (buf, '[', depth);
  memset (buf + depth, ']', depth);
  buf[depth * 2] = '\n';
  path = arb_test_write_file (f->dir, "deep.json", buf, depth * 2 + 1, FALSE);
  g_assert_cmpuint (read_all (path, NULL, &error), ==, 0);
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_DEPTH);
  g_clear_error (&error);

  /* The same depth of objects in JSON Lines. */
  {
    g_autoptr(GString) s = g_string_new (NULL);
    g_autofree char *p2 = NULL;

    for (gsize i = 0; i < depth; i++)
      g_string_append (s, "{\"a\":");
    g_string_append (s, "1");
    for (gsize i = 0; i < depth; i++)
      g_string_append_c (s, '}');
    p2 = arb_test_write_file (f->dir, "deep.jsonl", s->str, s->len, FALSE);
    g_assert_cmpuint (read_all (p2, NULL, &error), ==, 0);
    g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_DEPTH);
  }
}

static void
test_huge_line (Fixture      *f,
                gconstpointer data)
{
  const gsize len = 50 * 1024 * 1024;
  g_autoptr(GString) s = g_string_sized_new (len + 64);
  g_autofree char *path = NULL;
  g_autoptr(ArbJsonReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  json_object *value = NULL;
  json_object *text = NULL;

  g_string_append (s, "{\"text\": \"");
  for (gsize i = 0; i < len / 8; i++)
    g_string_append (s, "abcdéfg");  /* 8 bytes, 7 code points */
  g_string_append (s, "\"}\n{\"next\": 1}\n");
  path = arb_test_write_file (f->dir, "huge.jsonl", s->str, s->len, FALSE);

  reader = arb_json_reader_new_for_path (path, &error);
  g_assert_true (arb_json_reader_next (reader, &value, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (json_object_object_get_ex (value, "text", &text));
  g_assert_cmpint (json_object_get_string_len (text), ==, (int) (len / 8 * 8));
  json_object_put (value);
  g_assert_true (arb_json_reader_next (reader, &value, NULL, &error));
  g_assert_cmpuint (arb_json_reader_get_line (reader), ==, 2);
  json_object_put (value);
  g_assert_false (arb_json_reader_next (reader, &value, NULL, &error));
  g_assert_no_error (error);
}

static void
test_gzip (Fixture      *f,
           gconstpointer data)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree char *path = NULL;
  g_autofree char *cut = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *garbage = NULL;
  gsize len;
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < 20000; i++)
    g_string_append_printf (s, "{\"i\": %d, \"text\": \"record number %d ünïcode\"}\n", i, i * 7919);
  /* The name does not say gzip: the magic bytes do. */
  path = arb_test_write_file (f->dir, "data.jsonl", s->str, s->len, TRUE);
  g_assert_cmpuint (read_all (path, NULL, &error), ==, 20000);
  g_assert_no_error (error);

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  cut = arb_test_write_file (f->dir, "cut.jsonl.gz", contents, len / 2, FALSE);
  g_assert_cmpuint (read_all (cut, NULL, &error), <, 20000);
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_TRUNCATED);
  g_assert_nonnull (strstr (error->message, "cut.jsonl.gz"));
  g_clear_error (&error);

  /* Corrupt bytes in the middle of the compressed stream. */
  memset (contents + len / 2, 0x55, 64);
  garbage = arb_test_write_file (f->dir, "bad.jsonl.gz", contents, len, FALSE);
  read_all (garbage, NULL, &error);
  g_assert_nonnull (error);
  g_assert_true (error->domain == ARB_IMPORT_ERROR);
}

static void
test_sha256 (Fixture      *f,
             gconstpointer data)
{
  g_autofree char *path = arb_test_write_file (f->dir, "s.jsonl", "{\"a\":1}\n", -1, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbJsonReader) reader = arb_json_reader_new_for_path (path, &error);
  json_object *value = NULL;

  while (arb_json_reader_next (reader, &value, NULL, &error))
    json_object_put (value);
  g_assert_no_error (error);
  g_assert_cmpstr (arb_json_reader_get_sha256 (reader), ==,
                   "e346432021b04179518d9614f3560ccd71354a4ee101ddcb893d6959a9d6301c");
}

static void
test_missing_file (void)
{
  g_autoptr(GError) error = NULL;
  ArbJsonReader *reader = arb_json_reader_new_for_path ("/nonexistent/file.jsonl", &error);

  g_assert_null (reader);
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/file.jsonl"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/arbiter/json-reader/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("jsonl", test_jsonl);
  ADD ("array", test_array);
  ADD ("array-errors", test_array_errors);
  ADD ("concatenated", test_concatenated);
  ADD ("empty", test_empty);
  ADD ("broken-line", test_broken_line);
  ADD ("invalid-utf8", test_invalid_utf8);
  ADD ("nul", test_nul);
  ADD ("deep", test_deep);
  ADD ("huge-line", test_huge_line);
  ADD ("gzip", test_gzip);
  ADD ("sha256", test_sha256);
  g_test_add_func ("/arbiter/json-reader/missing-file", test_missing_file);
  return g_test_run ();
}
