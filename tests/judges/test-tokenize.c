/* test-tokenize.c: `arbiter-cli tokenize` against arb-test-server, both real processes
 *
 * The FineGrainedRLHF sample (../shared/data) is imported with `arbiter-cli import` and
 * tokenised by the test server's vocabulary in llama.cpp's form and in vLLM's (SentencePiece
 * and byte-level token strings), alone and in chat context. The stored ranges are checked
 * against what the server's vocabulary must give (the rule is repeated here): they tile the
 * text, cut inside a character exactly where the server split it, and the pieces' bytes give
 * the text back. Spans from `arbiter-cli spans` and random runs of words are mapped to their
 * token covers, which must contain them; how often and by how much covers grow is printed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <json.h>
#include <sqlite3.h>

#include "arb-tokenizations.h"
#include "arb-units.h"
#include "arb-test-util.h"

#define FINEGRAINED "finegrained_rlhf_qa_feedback/dev_feedback.first100.json"
#define N_GENERATIONS 400

typedef struct
{
  GSubprocess *proc;
  char        *url;
  char        *log;
} Server;

typedef struct
{
  char *dir;
  char *ws;
} Fixture;

typedef struct
{
  int   status;
  char *out;
  char *err;
} Result;

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

static const char *
env_path (const char *name)
{
  const char *path = g_getenv (name);

  if (path == NULL)
    g_error ("%s is not set: run this test with meson test", name);
  return path;
}

/* Starts arb-test-server with the NULL-terminated options after @fixture. */
static void G_GNUC_NULL_TERMINATED
server_start (Server  *server,
              Fixture *fixture,
              ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *line = NULL;
  va_list args;
  static int n = 0;

  server->log = g_strdup_printf ("%s/server-%d.log", fixture->dir, n++);
  g_ptr_array_add (argv, (gpointer) env_path ("ARB_TEST_SERVER"));
  g_ptr_array_add (argv, (gpointer) "--log");
  g_ptr_array_add (argv, server->log);
  g_ptr_array_add (argv, (gpointer) "--exit-with-stdin");
  va_start (args, fixture);
  for (const char *a = va_arg (args, const char *); a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  /* Its stdin is a pipe from us: if this test dies, the server goes too. */
  server->proc = g_subprocess_newv ((const char *const *) argv->pdata,
                                    G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                    G_SUBPROCESS_FLAGS_STDIN_PIPE, &error);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->proc));
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (line != NULL && g_str_has_prefix (line, "PORT "));
  server->url = g_strdup_printf ("http://127.0.0.1:%s", line + 5);
}

static void
server_stop (Server *server)
{
  if (server->proc != NULL)
    {
      g_subprocess_force_exit (server->proc);
      g_subprocess_wait (server->proc, NULL, NULL);
    }
  g_clear_object (&server->proc);
  g_clear_pointer (&server->url, g_free);
  g_clear_pointer (&server->log, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Server, server_stop)

static GSubprocess *
cli_spawnv (const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *proc;

  g_ptr_array_add (argv, (gpointer) env_path ("ARB_CLI"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_newv ((const char *const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
                            G_SUBPROCESS_FLAGS_STDIN_INHERIT, &error);
  g_assert_no_error (error);
  return proc;
}

static void
cli_wait (GSubprocess *proc,
          Result      *result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;

  result_clear (result);
  g_subprocess_communicate (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  result->out = g_strndup (g_bytes_get_size (out) ? g_bytes_get_data (out, NULL) : "",
                           g_bytes_get_size (out));
  result->err = g_strndup (g_bytes_get_size (err) ? g_bytes_get_data (err, NULL) : "",
                           g_bytes_get_size (err));
  result->status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
}

/* Runs arbiter-cli with the NULL-terminated arguments after @result. */
static void G_GNUC_NULL_TERMINATED
cli (Result *result,
     ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  va_list ap;

  va_start (ap, result);
  for (const char *a = va_arg (ap, const char *); a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  proc = cli_spawnv ((const char *const *) args->pdata);
  cli_wait (proc, result);
  if (strlen (result->out) < 2000)
    g_test_message ("stdout: %s", result->out);
  if (result->err[0] != '\0')
    g_test_message ("stderr: %s", result->err);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *file = g_build_filename (arb_test_shared_data (), FINEGRAINED, NULL);
  g_auto(Result) r = { 0 };

  f->dir = arb_test_mkdtemp ();
  f->ws = g_build_filename (f->dir, "ws.arbiter", NULL);
  cli (&r, "init", f->ws, NULL);
  g_assert_cmpint (r.status, ==, 0);
  cli (&r, "import", f->ws, file, NULL);
  g_assert_cmpint (r.status, ==, 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  arb_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->ws);
}

/* ---- the server's log, the workspace, the summaries ------------------------------------ */

/* The server's log from line @from on: body hash → outcomes ("ok", "500", …), space-separated. */
static GHashTable *
read_log (const char *path,
          guint       from,
          guint      *out_lines)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_free);
  guint n = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    text = g_strdup ("");
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) parts = NULL;
      const char *before;

      if (lines[i][0] == '\0')
        continue;
      if (n++ < from)
        continue;
      parts = g_strsplit (lines[i], " ", 3);
      g_assert_cmpint (g_strv_length (parts), ==, 3);
      before = g_hash_table_lookup (map, parts[0]);
      g_hash_table_insert (map, g_strdup (parts[0]),
                           before ? g_strconcat (before, " ", parts[2], NULL)
                                  : g_strdup (parts[2]));
    }
  if (out_lines != NULL)
    *out_lines = n;
  return map;
}

static guint
log_lines (const char *path)
{
  guint n = 0;
  g_autoptr(GHashTable) ignored = read_log (path, 0, &n);

  return n;
}

static sqlite3 *
open_db (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static gint64
db_int (const char *ws,
        const char *sql)
{
  sqlite3 *db = open_db (ws);
  sqlite3_stmt *stmt = NULL;
  gint64 v;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return v;
}

static void
db_exec (const char *ws,
         const char *sql)
{
  sqlite3 *db = open_db (ws);

  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* The server's hash (SHA-256 of the body) of every stored tokenize call, with whether it
 * holds an answer. */
static GHashTable *
call_hashes (const char *ws,
             gboolean    answered)
{
  sqlite3 *db = open_db (ws);
  sqlite3_stmt *stmt = NULL;
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT request FROM calls WHERE kind = 'tokenize' "
                                           "AND (response IS NOT NULL) = ?", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_int (stmt, 1, answered);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_hash_table_add (set, g_compute_checksum_for_string (G_CHECKSUM_SHA256,
                                                          (const char *) sqlite3_column_text (stmt, 0),
                                                          -1));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return set;
}

static json_object *
parse_summary (const char *out)
{
  json_object *root = json_tokener_parse (out);

  if (root == NULL)
    g_error ("not a JSON summary: %s", out);
  return root;
}

static gint64
jint (json_object *root,
      const char  *key)
{
  json_object *v;

  g_assert_true (json_object_object_get_ex (root, key, &v));
  return json_object_get_int64 (v);
}

static const char *
jstr (json_object *root,
      const char  *key)
{
  json_object *v;

  g_assert_true (json_object_object_get_ex (root, key, &v));
  return json_object_get_string (v);
}

/* ---- what the server's vocabulary must give -------------------------------------------- */

typedef struct
{
  const char *name;        /* the tokenizer's name in the workspace */
  const char *api;
  const char *model;       /* picks the server's vLLM vocabulary */
  const char *context;
  gboolean    sentencepiece;
} Config;

static const Config configs[] = {
  { "llama-3-test", "llama", NULL, "alone", FALSE },
  { "llama-3-test", "llama", NULL, "chat", FALSE },
  { "bpe-test", "vllm", "byte-level-model", "alone", FALSE },
  { "bpe-test", "vllm", "byte-level-model", "chat", FALSE },
  { "mistral-test", "vllm", "mistral-sentencepiece", "alone", TRUE },
  { "mistral-test", "vllm", "mistral-sentencepiece", "chat", TRUE },
};

/* Whether the server cuts inside character @c (of @n bytes) at byte @k (0 < k < n): the rule of
 * tests/arb-test-server.c. A character out of its vocabulary (not ASCII, not white space, code
 * point a multiple of 3) is one token a byte in SentencePiece; else 1 + 1 for two bytes, 1 + 1 +
 * 1 (even code point) or 2 + 1 (odd) for three, 2 + 2 for four. */
static gboolean
server_cuts (gunichar c,
             gsize    n,
             gsize    k,
             gboolean sentencepiece)
{
  if (c < 0x80 || c % 3 != 0 || g_unichar_isspace (c))
    return FALSE;
  if (sentencepiece || n == 2 || (n == 3 && c % 2 == 0))
    return TRUE;
  if (n == 3)
    return k == 2;
  return k == n / 2;
}

typedef struct
{
  gint64 characters_split;     /* characters the tokens cut into */
  gint64 cuts_inside;          /* token boundaries inside a character */
  gint64 tokens;
  gint64 leading_space;        /* tokens whose piece starts with a space */
  gint64 straddling;           /* in context: first tokens that begin in the template */
  gint64 spans, spans_grown, spans_growth_max;
  gint64 words, words_grown, words_growth_max;
} Stats;

static void
check_cover (const ArbRange *units,
             guint           n_units,
             gint64          start,
             gint64          end,
             gint64         *grown,
             gint64         *growth_max)
{
  guint first = 0, last = 0;
  ArbRange cover;
  gint64 growth;

  g_assert_true (arb_units_cover (units, n_units, start, end, &first, &last, &cover));
  g_assert_cmpint (cover.start, <=, start);
  g_assert_cmpint (cover.end, >=, end);
  /* The smallest run: its first and last tokens meet the span. */
  g_assert_cmpint (units[first].end, >, start);
  g_assert_cmpint (units[last - 1].start, <, end);
  growth = (start - cover.start) + (cover.end - end);
  if (growth > 0)
    (*grown)++;
  *growth_max = MAX (*growth_max, growth);
}

/* Checks the stored tokenisation of one generation. */
static void
check_generation (ArbWorkspace          *ws,
                  const Config          *config,
                  const ArbTokenizeItem *item,
                  GArray                *spans,
                  GRand                 *rand,
                  Stats                 *stats)
{
  g_autoptr(GError) error = NULL;
  gboolean in_context = g_str_equal (config->context, "chat");
  g_autoptr(ArbTokenization) t = arb_tokenizations_get (ws, item->generation_id, config->name,
                                                        in_context, &error);
  g_autoptr(GHashTable) boundaries = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GByteArray) joined = g_byte_array_new ();
  g_autoptr(GArray) units = g_array_new (FALSE, FALSE, sizeof (ArbRange));
  g_autoptr(GArray) words = NULL;
  const char *text = item->text;
  gint64 len = item->text_len, at = 0;

  g_assert_no_error (error);
  g_assert_nonnull (t);
  g_assert_nonnull (t->pieces);
  g_assert_cmpuint (t->ids->len, ==, t->ranges->len);
  g_assert_cmpuint (t->pieces->len, ==, t->ranges->len);
  g_assert_cmpint (t->call_id, >, 0);
  stats->tokens += t->ids->len;

  for (guint i = 0; i < t->ranges->len; i++)
    {
      ArbRange r = g_array_index (t->ranges, ArbRange, i);
      gsize plen = 0;
      const char *piece = g_bytes_get_data (g_ptr_array_index (t->pieces, i), &plen);

      g_byte_array_append (joined, (const guint8 *) piece, plen);
      if (plen > 0 && piece[0] == ' ')
        stats->leading_space++;
      if (r.start == r.end)
        {
          /* Only SentencePiece's dummy prefix, alone, before the text. */
          g_assert_true (config->sentencepiece && !in_context && i == 0);
          g_assert_cmpint (r.start, ==, 0);
          g_assert_cmpmem (piece, plen, " ", 1);
          continue;
        }
      /* The ranges tile the text, in order. */
      g_assert_cmpint (r.start, ==, at);
      g_assert_cmpint (r.end, >, r.start);
      at = r.end;
      /* A token's piece is its text, but for a space before the first: SentencePiece's dummy
       * prefix alone, the template's space in Mistral's chat template (the token straddles
       * the response's start and is clipped to it). */
      if ((gint64) plen == r.end - r.start + 1 && r.start == 0 && config->sentencepiece)
        {
          g_assert_cmpint (piece[0], ==, ' ');
          g_assert_cmpmem (piece + 1, plen - 1, text + r.start, r.end - r.start);
          if (in_context)
            stats->straddling++;
        }
      else
        g_assert_cmpmem (piece, plen, text + r.start, r.end - r.start);
      g_hash_table_add (boundaries, &g_array_index (t->ranges, ArbRange, i).start);
      g_array_append_val (units, r);
    }
  g_assert_cmpint (at, ==, len);
  /* The pieces' bytes give the text back. */
  if (joined->len == (guint) len + 1 && config->sentencepiece)
    g_assert_cmpmem (joined->data + 1, joined->len - 1, text, len);
  else
    g_assert_cmpmem (joined->data, joined->len, text, len);

  /* Every boundary inside a character is one the server made, and the server's cuts are all
   * there. */
  for (const char *p = text; p < text + len; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gsize n = g_utf8_next_char (p) - p;
      gboolean split = FALSE;

      for (gsize k = 1; k < n; k++)
        {
          gint64 b = (p - text) + k;
          gboolean cut = g_hash_table_contains (boundaries, &b);

          if (cut != server_cuts (c, n, k, config->sentencepiece))
            g_error ("generation %" G_GINT64_FORMAT ", U+%04X at byte %" G_GINT64_FORMAT
                     ": %s at +%zu, the server %s", item->generation_id, c,
                     (gint64) (p - text), cut ? "a token boundary" : "no boundary", k,
                     cut ? "does not cut there" : "cuts there");
          if (cut)
            {
              stats->cuts_inside++;
              split = TRUE;
            }
        }
      if (split)
        stats->characters_split++;
    }

  /* Spans map to covers that contain them. */
  for (guint i = 0; spans != NULL && i < spans->len; i++)
    {
      ArbRange s = g_array_index (spans, ArbRange, i);

      stats->spans++;
      check_cover ((ArbRange *) units->data, units->len, s.start, s.end, &stats->spans_grown,
                   &stats->spans_growth_max);
    }
  /* And so do words, and random runs of one to five words. */
  words = arb_units_segment (text, len, ARB_UNITS_WORDS);
  for (guint i = 0; i < words->len; i++)
    {
      ArbRange w = g_array_index (words, ArbRange, i);
      guint run = (guint) g_rand_int_range (rand, 1, 6);
      guint j = MIN (words->len, i + run);

      stats->words += 2;
      check_cover ((ArbRange *) units->data, units->len, w.start, w.end, &stats->words_grown,
                   &stats->words_growth_max);
      check_cover ((ArbRange *) units->data, units->len, w.start,
                   g_array_index (words, ArbRange, j - 1).end, &stats->words_grown,
                   &stats->words_growth_max);
    }
}

/* generation id → GArray of ArbRange: the spans `arbiter-cli spans` gives. */
static GHashTable *
read_spans (const char *ws)
{
  g_auto(Result) r = { 0 };
  g_auto(GStrv) lines = NULL;
  GHashTable *map = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                           (GDestroyNotify) g_array_unref);
  sqlite3 *db = open_db (ws);
  sqlite3_stmt *stmt = NULL;
  guint n = 0;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT id FROM generations WHERE uuid = ?", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  cli (&r, "spans", ws, NULL);
  g_assert_cmpint (r.status, ==, 0);
  lines = g_strsplit (r.out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      json_object *o;
      GArray *spans;
      gint64 *id;
      ArbRange s;

      if (lines[i][0] == '\0')
        continue;
      o = parse_summary (lines[i]);
      sqlite3_reset (stmt);
      sqlite3_bind_text (stmt, 1, jstr (o, "generation"), -1, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      id = g_new (gint64, 1);
      *id = sqlite3_column_int64 (stmt, 0);
      s.start = jint (o, "byte_start");
      s.end = jint (o, "byte_end");
      json_object_put (o);
      spans = g_hash_table_lookup (map, id);
      if (spans == NULL)
        {
          spans = g_array_new (FALSE, FALSE, sizeof (ArbRange));
          g_hash_table_insert (map, id, spans);
        }
      else
        g_free (id);
      g_array_append_val (spans, s);
      n++;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  /* The sample's spans (test-import-steps counts them). */
  g_assert_cmpuint (n, ==, 265);
  return map;
}

/* Checks every generation's tokenisation under @config; returns the statistics. */
static void
check_workspace (const char   *path,
                 const Config *config,
                 GHashTable   *spans,
                 Stats        *stats)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_open (path, &error);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  g_assert_no_error (error);
  /* Every visible text generation, with its text: none has a tokenisation by this name. */
  items = arb_tokenizations_list_missing (ws, "(no such tokenizer)", FALSE, -1, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, N_GENERATIONS);
  for (guint i = 0; i < items->len; i++)
    {
      ArbTokenizeItem *item = g_ptr_array_index (items, i);

      check_generation (ws, config, item, g_hash_table_lookup (spans, &item->generation_id),
                        rand, stats);
    }
}

static json_object *
tokenize (Fixture      *f,
          Server       *server,
          const Config *config,
          Result       *r,
          const char   *more)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;

  g_ptr_array_add (args, (gpointer) "tokenize");
  g_ptr_array_add (args, f->ws);
  g_ptr_array_add (args, (gpointer) "--endpoint");
  g_ptr_array_add (args, server->url);
  g_ptr_array_add (args, (gpointer) "--tokenizer");
  g_ptr_array_add (args, (gpointer) config->name);
  g_ptr_array_add (args, (gpointer) "--api");
  g_ptr_array_add (args, (gpointer) config->api);
  g_ptr_array_add (args, (gpointer) "--context");
  g_ptr_array_add (args, (gpointer) config->context);
  g_ptr_array_add (args, (gpointer) "--format");
  g_ptr_array_add (args, (gpointer) "json");
  if (config->model != NULL)
    {
      g_ptr_array_add (args, (gpointer) "--model");
      g_ptr_array_add (args, (gpointer) config->model);
    }
  if (more != NULL)
    {
      g_ptr_array_add (args, (gpointer) "--max-attempts");
      g_ptr_array_add (args, (gpointer) more);
      g_ptr_array_add (args, (gpointer) "--backoff");
      g_ptr_array_add (args, (gpointer) "0.01");
    }
  g_ptr_array_add (args, NULL);
  proc = cli_spawnv ((const char *const *) args->pdata);
  cli_wait (proc, r);
  if (r->err[0] != '\0')
    g_test_message ("stderr: %s", r->err);
  return parse_summary (r->out);
}

/* ---- the tests --------------------------------------------------------------------------- */

/* Each API and vocabulary, alone and in context: the offsets, the covers, the cache. */
static void
test_offsets (Fixture       *f,
              gconstpointer  data)
{
  g_auto(Server) server = { 0 };
  g_autoptr(GHashTable) spans = read_spans (f->ws);

  server_start (&server, f, NULL);
  for (guint c = 0; c < G_N_ELEMENTS (configs); c++)
    {
      const Config *config = &configs[c];
      gboolean two_steps = g_str_equal (config->api, "llama") &&
                           g_str_equal (config->context, "chat");
      g_auto(Result) r = { 0 };
      json_object *summary;
      Stats stats = { 0 };
      guint before = log_lines (server.log), sent;

      summary = tokenize (f, &server, config, &r, NULL);
      g_assert_cmpint (r.status, ==, 0);
      g_assert_cmpstr (jstr (summary, "context"), ==, config->context);
      g_assert_cmpint (jint (summary, "generations"), ==, N_GENERATIONS);
      g_assert_cmpint (jint (summary, "tokenized"), ==, N_GENERATIONS);
      g_assert_cmpint (jint (summary, "failed"), ==, 0);
      sent = log_lines (server.log) - before;
      /* One request a distinct text (two for llama.cpp in context: the template first). */
      g_assert_cmpint (sent, ==, jint (summary, "to_send"));
      g_assert_cmpint (sent, ==, (two_steps ? 2 : 1) * N_GENERATIONS);
      check_workspace (f->ws, config, spans, &stats);
      g_assert_cmpint (stats.tokens, ==, jint (summary, "tokens"));
      g_test_message ("%s %s %s: %" G_GINT64_FORMAT " tokens (%" G_GINT64_FORMAT " with a "
                      "leading space), %" G_GINT64_FORMAT " characters split by %" G_GINT64_FORMAT
                      " cuts inside them; %" G_GINT64_FORMAT " first tokens straddle the "
                      "template; %" G_GINT64_FORMAT " spans, %" G_GINT64_FORMAT
                      " covers grow past them, by %" G_GINT64_FORMAT " bytes at most; %"
                      G_GINT64_FORMAT " word selections, %" G_GINT64_FORMAT " grow, by %"
                      G_GINT64_FORMAT " bytes at most", config->api,
                      config->model ? config->model : "", config->context, stats.tokens,
                      stats.leading_space, stats.characters_split, stats.cuts_inside,
                      stats.straddling, stats.spans, stats.spans_grown, stats.spans_growth_max, stats.words,
                      stats.words_grown, stats.words_growth_max);
      /* The sample has characters the vocabulary splits, and words with their spaces: a cover
       * that takes a word's leading-space token grows by that space. */
      g_assert_cmpint (stats.characters_split, >, 0);
      g_assert_cmpint (stats.spans, ==, 265);
      g_assert_cmpint (stats.spans_grown, >, 0);
      g_assert_cmpint (stats.words_grown, >, 0);
      g_assert_cmpint (stats.words_grown, <, stats.words);
      /* Mistral's template puts a space before the answer, which its first token takes. */
      if (config->sentencepiece && g_str_equal (config->context, "chat"))
        g_assert_cmpint (stats.straddling, >, N_GENERATIONS / 2);
      else
        g_assert_cmpint (stats.straddling, ==, 0);
      json_object_put (summary);

      /* A rerun asks nothing. */
      before = log_lines (server.log);
      summary = tokenize (f, &server, config, &r, NULL);
      g_assert_cmpint (r.status, ==, 0);
      g_assert_cmpint (jint (summary, "settled"), ==, N_GENERATIONS);
      g_assert_cmpint (jint (summary, "to_send"), ==, 0);
      g_assert_cmpint (log_lines (server.log), ==, before);
      json_object_put (summary);
    }

  /* Tokenisations gone, calls kept: everything comes back from the cache, nothing is sent,
   * and the ranges are the same. */
  {
    g_auto(Result) r = { 0 };
    json_object *summary;
    Stats stats = { 0 };
    guint before = log_lines (server.log);

    db_exec (f->ws, "DELETE FROM tokenizations");
    summary = tokenize (f, &server, &configs[1], &r, NULL);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_cmpint (jint (summary, "cached"), ==, N_GENERATIONS);
    g_assert_cmpint (jint (summary, "tokenized"), ==, N_GENERATIONS);
    g_assert_cmpint (jint (summary, "to_send"), ==, 0);
    g_assert_cmpint (log_lines (server.log), ==, before);
    check_workspace (f->ws, &configs[1], spans, &stats);
    json_object_put (summary);
  }
}

/* A garbage body, a 500 and a reply without tokens: failed records that say so; the rerun
 * sends those and nothing else. */
static void
test_faults (Fixture       *f,
             gconstpointer  data)
{
  g_auto(Server) server = { 0 };
  g_autoptr(GHashTable) first = NULL;
  g_autoptr(GHashTable) failed_calls = NULL;
  g_autoptr(GHashTable) second = NULL;
  g_auto(Result) r = { 0 };
  GHashTableIter iter;
  gpointer key, value;
  json_object *summary, *failures;
  gint64 failed = 0, garbage = 0, http500 = 0, empty = 0;
  guint lines = 0;
  const Config *config = &configs[3];   /* vLLM, byte-level, in context */

  server_start (&server, f, "--faults", "malformed,500,noverdict", "--fault-rate", "0.3", NULL);
  summary = tokenize (f, &server, config, &r, "2");
  /* Failed generations are counted, not fatal. */
  g_assert_cmpint (r.status, ==, 0);
  first = read_log (server.log, 0, &lines);
  g_assert_cmpuint (g_hash_table_size (first), ==, N_GENERATIONS);
  /* A request fails when its last attempt was not "ok": two faults (malformed and 500 are
   * retried once), or a reply without tokens (not retried: it is an answer). */
  g_hash_table_iter_init (&iter, first);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_str_has_suffix (value, "ok"))
      failed++;
  g_assert_cmpint (failed, >, 0);
  g_assert_cmpint (jint (summary, "failed"), ==, failed);
  g_assert_cmpint (jint (summary, "tokenized"), ==, N_GENERATIONS - failed);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM tokenizations"), ==,
                   N_GENERATIONS - failed);
  failed_calls = call_hashes (f->ws, FALSE);
  g_assert_cmpuint (g_hash_table_size (failed_calls), ==, failed);
  g_hash_table_iter_init (&iter, failed_calls);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_assert_false (g_str_has_suffix (g_hash_table_lookup (first, key), "ok"));

  /* What each failure says. */
  g_assert_true (json_object_object_get_ex (summary, "failures", &failures));
  g_assert_cmpint (json_object_array_length (failures), ==, MIN (failed, 100));
  for (size_t i = 0; i < json_object_array_length (failures); i++)
    {
      const char *why = json_object_get_string (json_object_array_get_idx (failures, i));

      g_assert_true (g_str_has_prefix (why, "generation "));
      if (strstr (why, "/tokenize gave no answer after 2 attempts: HTTP 200 with a body that "
                       "is not one JSON object or array") != NULL)
        garbage++;
      else if (strstr (why, "/tokenize gave no answer after 2 attempts: HTTP 500") != NULL)
        http500++;
      else if (strstr (why, "/tokenize answered, but the tokens do not reproduce the text") != NULL)
        empty++;
      else
        g_error ("an unexpected failure: %s", why);
    }
  g_test_message ("%" G_GINT64_FORMAT " of %d failed: %" G_GINT64_FORMAT " garbage, %"
                  G_GINT64_FORMAT " HTTP 500, %" G_GINT64_FORMAT " without tokens", failed,
                  N_GENERATIONS, garbage, http500, empty);
  g_assert_cmpint (garbage, >, 0);
  g_assert_cmpint (http500, >, 0);
  g_assert_cmpint (empty, >, 0);
  json_object_put (summary);

  /* The rerun sends exactly the failed ones. */
  summary = tokenize (f, &server, config, &r, "2");
  g_assert_cmpint (r.status, ==, 0);
  second = read_log (server.log, lines, NULL);
  g_assert_cmpuint (g_hash_table_size (second), ==, failed);
  g_hash_table_iter_init (&iter, second);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_assert_true (g_hash_table_contains (failed_calls, key));
  g_assert_cmpint (jint (summary, "settled"), ==, N_GENERATIONS - failed);
  g_assert_cmpint (jint (summary, "to_send"), ==, failed);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM tokenizations"), ==,
                   N_GENERATIONS - jint (summary, "failed"));
  json_object_put (summary);
}

/* Killed halfway, the run goes on where it stopped. */
static void
test_kill (Fixture       *f,
           gconstpointer  data)
{
  g_auto(Server) server = { 0 };
  g_auto(Result) r = { 0 };
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GHashTable) stored = NULL;
  g_autoptr(GHashTable) after = NULL;
  GHashTableIter iter;
  gpointer key;
  gint64 done = 0, concurrency = 4;
  guint lines = 0;
  json_object *summary;

  server_start (&server, f, "--delay", "20", NULL);
  {
    g_autofree char *url = g_strdup (server.url);
    const char *args[] = { "tokenize", f->ws, "--endpoint", url, "--tokenizer", "llama-3-test",
                           "--context", "alone", "--concurrency", "4", NULL };

    proc = cli_spawnv (args);
  }
  for (int waited = 0; done < N_GENERATIONS / 3; waited++)
    {
      g_assert_cmpint (waited, <, 3000);   /* 30 s: the run is stuck */
      g_usleep (10 * 1000);
      done = db_int (f->ws, "SELECT count(*) FROM tokenizations");
    }
  g_subprocess_send_signal (proc, SIGKILL);
  g_subprocess_wait (proc, NULL, NULL);
  g_assert_true (g_subprocess_get_if_signaled (proc));
  g_assert_cmpint (g_subprocess_get_term_sig (proc), ==, SIGKILL);
  g_usleep (100 * 1000);   /* the server logs what was in flight */
  g_clear_pointer (&after, g_hash_table_unref);
  after = read_log (server.log, 0, &lines);
  stored = call_hashes (f->ws, TRUE);
  done = db_int (f->ws, "SELECT count(*) FROM tokenizations");
  g_assert_cmpint (done, <, N_GENERATIONS);
  g_assert_cmpint (done, ==, g_hash_table_size (stored));
  g_test_message ("killed with %" G_GINT64_FORMAT " stored, %u sent", done, lines);
  /* What the server received and we did not keep was in flight. */
  g_assert_cmpint (lines - done, <=, 2 * concurrency);

  summary = tokenize (f, &server, &configs[0], &r, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpint (jint (summary, "settled"), ==, done);
  g_assert_cmpint (jint (summary, "tokenized"), ==, N_GENERATIONS - done);
  g_clear_pointer (&after, g_hash_table_unref);
  after = read_log (server.log, lines, NULL);
  g_assert_cmpuint (g_hash_table_size (after), ==, N_GENERATIONS - done);
  g_hash_table_iter_init (&iter, after);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_assert_false (g_hash_table_contains (stored, key));
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM tokenizations"), ==, N_GENERATIONS);
  json_object_put (summary);
}

/* The command line: usage, old servers, the context chosen by the server. */
static void
test_cli (Fixture       *f,
          gconstpointer  data)
{
  g_auto(Server) server = { 0 };
  g_auto(Server) old = { 0 };
  g_auto(Server) plain = { 0 };
  g_auto(Result) r = { 0 };
  json_object *summary;

  server_start (&server, f, NULL);
  server_start (&old, f, "--no-pieces", NULL);
  server_start (&plain, f, "--no-chat-template", NULL);

  cli (&r, "tokenize", f->ws, "--endpoint", server.url, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--tokenizer"));
  cli (&r, "tokenize", f->ws, "--tokenizer", "t", NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli (&r, "tokenize", f->ws, "--endpoint", server.url, "--tokenizer", "t", "--api", "tgi", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--api must be llama or vllm"));
  cli (&r, "tokenize", f->ws, "--endpoint", server.url, "--tokenizer", "t", "--context",
       "both", NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli (&r, "tokenize", f->ws, "--endpoint", "ftp://x", "--tokenizer", "t", NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli (&r, "tokenize", f->ws, "--endpoint", server.url, "--tokenizer", "t", "--api-key-env",
       "ARB_TEST_NO_SUCH_KEY", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "ARB_TEST_NO_SUCH_KEY holds no API key"));

  /* A server without pieces or token strings: one clear error, not 400 failures. */
  cli (&r, "tokenize", f->ws, "--endpoint", old.url, "--tokenizer", "t", "--context", "alone",
       NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "without pieces"));
  cli (&r, "tokenize", f->ws, "--endpoint", old.url, "--tokenizer", "t", "--api", "vllm",
       "--context", "alone", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "return_token_strs"));
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM tokenizations"), ==, 0);

  /* Without --context: chat where the server has a template, alone where it has none. */
  for (guint api = 0; api < 2; api++)
    {
      const char *name = api == 0 ? "llama" : "vllm";
      g_autofree char *with = g_strdup_printf ("with-template-%s", name);
      g_autofree char *without = g_strdup_printf ("without-template-%s", name);
      guint before;

      cli (&r, "tokenize", f->ws, "--endpoint", server.url, "--tokenizer", with, "--api", name,
           "--format", "json", NULL);
      g_assert_cmpint (r.status, ==, 0);
      summary = parse_summary (r.out);
      g_assert_cmpstr (jstr (summary, "context"), ==, "chat");
      g_assert_cmpint (jint (summary, "tokenized"), ==, N_GENERATIONS);
      json_object_put (summary);
      g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM tokenizations WHERE in_context = 1"),
                       ==, (api + 1) * N_GENERATIONS);

      cli (&r, "tokenize", f->ws, "--endpoint", plain.url, "--tokenizer", without, "--api",
           name, "--format", "json", NULL);
      g_assert_cmpint (r.status, ==, 0);
      summary = parse_summary (r.out);
      g_assert_cmpstr (jstr (summary, "context"), ==, "alone");
      g_assert_true (json_object_get_boolean (json_object_object_get (summary, "fell_back")));
      g_assert_cmpint (jint (summary, "tokenized"), ==, N_GENERATIONS);
      json_object_put (summary);

      /* The rerun remembers the context and asks nothing. */
      before = log_lines (plain.log);
      cli (&r, "tokenize", f->ws, "--endpoint", plain.url, "--tokenizer", without, "--api",
           name, NULL);
      g_assert_cmpint (r.status, ==, 0);
      g_assert_nonnull (strstr (r.out, "(400 tokenised already)"));
      g_assert_nonnull (strstr (r.out, "alone"));
      g_assert_cmpint (log_lines (plain.log), ==, before);
    }
}

/* The table itself: pieces that are not UTF-8 (or hold a NUL) come back as they went in; a
 * second store replaces the first; arrays that do not pair up are refused. */
static void
test_store (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_open (f->ws, &error);
  g_autoptr(ArbTokenization) t = NULL;
  g_autoptr(ArbTokenization) back = NULL;
  g_autoptr(GPtrArray) missing = NULL;
  static const char *const pieces[] = { "Hi", "\xe2\x80", "\x94", " a\0b", "" };
  static const gsize lens[] = { 2, 2, 1, 4, 0 };
  gint64 n = 0, done = 0;
  gboolean alone = TRUE, chat = TRUE;

  g_assert_no_error (error);
  t = arb_tokenization_new ("store-test", 1, TRUE);
  t->pieces = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < G_N_ELEMENTS (pieces); i++)
    {
      gint64 id = 100 + i;
      ArbRange r = { i, i + 1 };

      g_array_append_val (t->ids, id);
      g_array_append_val (t->ranges, r);
      g_ptr_array_add (t->pieces, g_bytes_new (pieces[i], lens[i]));
    }
  g_assert_true (arb_tokenizations_store (ws, t, &error));
  g_assert_no_error (error);
  back = arb_tokenizations_get (ws, 1, "store-test", TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_cmpuint (back->ids->len, ==, G_N_ELEMENTS (pieces));
  g_assert_cmpint (back->call_id, ==, -1);
  for (guint i = 0; i < G_N_ELEMENTS (pieces); i++)
    {
      gsize len = 0;
      const char *p = g_bytes_get_data (g_ptr_array_index (back->pieces, i), &len);

      g_assert_cmpint (g_array_index (back->ids, gint64, i), ==, 100 + i);
      g_assert_cmpint (g_array_index (back->ranges, ArbRange, i).start, ==, i);
      g_assert_cmpint (g_array_index (back->ranges, ArbRange, i).end, ==, i + 1);
      g_assert_cmpmem (len ? p : "", len, pieces[i], lens[i]);
    }
  g_clear_pointer (&back, arb_tokenization_free);
  /* Not in the other context. */
  back = arb_tokenizations_get (ws, 1, "store-test", FALSE, &error);
  g_assert_no_error (error);
  g_assert_null (back);
  g_assert_true (arb_tokenizations_modes (ws, "store-test", &alone, &chat, &error));
  g_assert_false (alone);
  g_assert_true (chat);

  /* Replaced, not added. */
  g_array_set_size (t->ids, 1);
  g_array_set_size (t->ranges, 1);
  g_ptr_array_set_size (t->pieces, 1);
  g_assert_true (arb_tokenizations_store (ws, t, &error));
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM tokenizations"), ==, 1);
  back = arb_tokenizations_get (ws, 1, "store-test", TRUE, &error);
  g_assert_cmpuint (back->ids->len, ==, 1);
  g_assert_true (arb_tokenizations_count (ws, "store-test", TRUE, &n, &done, &error));
  g_assert_cmpint (n, ==, N_GENERATIONS);
  g_assert_cmpint (done, ==, 1);
  missing = arb_tokenizations_list_missing (ws, "store-test", TRUE, -1, -1, &error);
  g_assert_cmpuint (missing->len, ==, N_GENERATIONS - 1);
  for (guint i = 0; i < missing->len; i++)
    g_assert_cmpint (((ArbTokenizeItem *) g_ptr_array_index (missing, i))->generation_id, !=, 1);

  /* Two ids, one range: refused, and the row stays as it was. */
  {
    gint64 id = 7;

    g_array_append_val (t->ids, id);
    g_assert_false (arb_tokenizations_store (ws, t, &error));
    g_assert_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID);
    g_assert_cmpint (db_int (f->ws, "SELECT json_array_length (token_ids) FROM tokenizations"),
                     ==, 1);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/arbiter/tokenize/store", Fixture, NULL, fixture_set_up, test_store,
              fixture_tear_down);
  g_test_add ("/arbiter/tokenize/offsets", Fixture, NULL, fixture_set_up, test_offsets,
              fixture_tear_down);
  g_test_add ("/arbiter/tokenize/faults", Fixture, NULL, fixture_set_up, test_faults,
              fixture_tear_down);
  g_test_add ("/arbiter/tokenize/kill", Fixture, NULL, fixture_set_up, test_kill,
              fixture_tear_down);
  g_test_add ("/arbiter/tokenize/cli", Fixture, NULL, fixture_set_up, test_cli,
              fixture_tear_down);
  return g_test_run ();
}
