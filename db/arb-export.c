/* arb-export.c: labels out of a workspace as training-ready files, with explicit policies
 *
 * The pairwise formats step one SQL statement through the counted raters' current verdicts in
 * the comparisons' natural-key order (prompt, A, B: their unique index, no sort), aggregate each
 * comparison's votes as its verdicts go by (each rater's verdicts on it — orders, samples —
 * first average into one vote), decide the outcome by the policy, apply the rules in a fixed
 * order, count what each drops and stream the rows out; identical rows are looked for among the
 * current prompt's rows. trl-stepwise does the same per step of each labelled generation in
 * SQL, token-level lists spans and projects them onto a tokenization. Nothing grows with the
 * workspace but the systems' tally for the card.
 *
 * Every file is written to a temporary file in its own directory and renamed into place only
 * when all of them (data files and the card) are complete, so a reader never sees half a file.
 *
 * The policies, in order (docs/export.md states them for users):
 *   raters      the named ones; by default every human rater of role annotator; a rater of role
 *               adjudicator always counts, and where adjudicators gave a verdict on a comparison
 *               only theirs count there;
 *   verdicts    current (not superseded), of status ok; a rater's several verdicts on one
 *               comparison average into one preference, which votes B (> 0.5), A (< 0.5) or tie;
 *   flagged     a comparison whose last live flag/unflag event of any rater is a flag (events
 *               undone by an undo event do not count) is dropped;
 *   not text    a side that is an image or missing drops the comparison;
 *   multi-turn  in string form, a response that spans several turns drops the comparison;
 *   policy      majority: the outcome (A, B, tie) with strictly the most votes, a draw is a tie;
 *               mean: the side of the mean preference (exactly 0.5 a tie); unanimous: every
 *               vote equal, else dropped; single: exactly one counted rater;
 *   agreement   votes for the outcome / counted votes, dropped below --min-agreement;
 *   ties        dropped, or kept as rows marked tie (never in trl-kto, which has no tie);
 *   same text   chosen equal to rejected is never written;
 *   duplicates  a row identical to one written already (same prompt, chosen and rejected, or
 *               for trl-kto prompt, completion and label) is written once.
 * trl-stepwise and token-level state theirs at export_stepwise and write_token_row, and
 * docs/export.md for users.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json.h>
#include <sqlite3.h>

#include "arb-export.h"
#include "arb-json-reader.h"
#include "arb-units.h"
#include "arb-workspace-private.h"

#define CARD_MARKER "<!-- arbiter-export: this card is rewritten by the next export here -->"

static const struct
{
  const char      *name;
  ArbExportFormat  format;
} formats[] = {
  { "trl-preference", ARB_EXPORT_TRL_PREFERENCE },
  { "trl-kto", ARB_EXPORT_TRL_KTO },
  { "openrlhf", ARB_EXPORT_OPENRLHF },
  { "verdicts-jsonl", ARB_EXPORT_VERDICTS_JSONL },
  { "verdicts-csv", ARB_EXPORT_VERDICTS_CSV },
  { "trl-stepwise", ARB_EXPORT_TRL_STEPWISE },
  { "token-level", ARB_EXPORT_TOKEN_LEVEL },
};

static const char *const policies[] = { "majority", "mean", "unanimous", "single" };

void
arb_export_options_init (ArbExportOptions *options)
{
  *options = (ArbExportOptions) {
    .format = ARB_EXPORT_TRL_PREFERENCE,
    .policy = ARB_EXPORT_POLICY_MAJORITY,
  };
}

void
arb_export_result_free (ArbExportResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->files, g_ptr_array_unref);
  g_free (result->preview);
  g_free (result);
}

gboolean
arb_export_format_from_string (const char      *name,
                               ArbExportFormat *out_format)
{
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    if (g_strcmp0 (name, formats[i].name) == 0)
      {
        *out_format = formats[i].format;
        return TRUE;
      }
  return FALSE;
}

const char *
arb_export_format_to_string (ArbExportFormat format)
{
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    if (formats[i].format == format)
      return formats[i].name;
  return NULL;
}

const char *
arb_export_format_list (void)
{
  return "trl-preference, trl-kto, trl-stepwise, openrlhf, token-level, verdicts-jsonl, "
         "verdicts-csv";
}

gboolean
arb_export_policy_from_string (const char      *name,
                               ArbExportPolicy *out_policy)
{
  for (guint i = 0; i < G_N_ELEMENTS (policies); i++)
    if (g_strcmp0 (name, policies[i]) == 0)
      {
        *out_policy = i;
        return TRUE;
      }
  return FALSE;
}

const char *
arb_export_policy_to_string (ArbExportPolicy policy)
{
  return policy < G_N_ELEMENTS (policies) ? policies[policy] : NULL;
}

static gboolean
is_pairwise (ArbExportFormat format)
{
  return format == ARB_EXPORT_TRL_PREFERENCE || format == ARB_EXPORT_TRL_KTO ||
         format == ARB_EXPORT_OPENRLHF;
}

/**
 * arb_export_format_is_pairwise:
 *
 * Returns: whether @format has rows of decided comparisons (trl-preference, trl-kto, openrlhf),
 *   to which --policy, --ties, --min-agreement and --margin apply
 */
gboolean
arb_export_format_is_pairwise (ArbExportFormat format)
{
  return is_pairwise (format);
}

/* The formats whose counted raters' labels are aggregated, with an adjudicator winning. */
static gboolean
aggregates (ArbExportFormat format)
{
  return is_pairwise (format) || format == ARB_EXPORT_TRL_STEPWISE;
}

/* The formats made of span labels rather than verdicts. */
static gboolean
is_span_format (ArbExportFormat format)
{
  return format == ARB_EXPORT_TRL_STEPWISE || format == ARB_EXPORT_TOKEN_LEVEL;
}

/* The length of the extension chain that names the content: ".jsonl", ".csv", ".json", each
 * optionally followed by ".gz"; else the last extension; else none. */
static gsize
extension_length (const char *base)
{
  static const char *const known[] = { ".jsonl.gz", ".csv.gz", ".json.gz", ".jsonl", ".csv",
                                       ".json", NULL };
  const char *dot;

  for (guint i = 0; known[i] != NULL; i++)
    if (g_str_has_suffix (base, known[i]) && strlen (base) > strlen (known[i]))
      return strlen (known[i]);
  dot = strrchr (base, '.');
  return dot != NULL && dot != base ? strlen (dot) : 0;
}

/**
 * arb_export_split_path:
 * @path: the output as given, e.g. `data/hh.jsonl.gz`
 * @split: `train`, `test`, …
 *
 * Returns: (transfer full): the split's file, the split's name before the extensions
 *   (`data/hh.train.jsonl.gz`)
 */
char *
arb_export_split_path (const char *path,
                       const char *split)
{
  g_autofree char *base = g_path_get_basename (path);
  gsize ext = extension_length (base);
  gsize stem = strlen (path) - ext;

  return g_strdup_printf ("%.*s.%s%s", (int) stem, path, split, path + stem);
}

/* ---- writing ----------------------------------------------------------------------------- */

/* One output file: bytes gather in buf, go through the gzip compressor when there is one, and
 * land in a temporary file beside the final one. A preview's Out has no file (fp NULL): buf
 * keeps what it is given, which write_row limits to the first rows. */
typedef struct
{
  char       *path;
  char       *tmp_path;
  FILE       *fp;
  GConverter *z;
  GString    *buf;
  gint64      rows;   /* rows appended to buf (a preview's) */
} Out;

static void
out_free (Out *o)
{
  if (o->fp != NULL)
    fclose (o->fp);
  if (o->tmp_path != NULL)
    g_unlink (o->tmp_path);
  g_free (o->path);
  g_free (o->tmp_path);
  g_clear_object (&o->z);
  g_string_free (o->buf, TRUE);
  g_free (o);
}

static void
set_file_error (GError    **error,
                int         errsv,
                const char *path,
                const char *what)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), "%s: %s: %s", path, what,
               g_strerror (errsv));
}

static Out *
out_open (const char *path,
          GError    **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *lower = g_ascii_strdown (base, -1);
  Out *o = g_new0 (Out, 1);
  int fd;

  o->path = g_strdup (path);
  o->buf = g_string_sized_new (1 << 16);
  o->tmp_path = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  fd = g_mkstemp_full (o->tmp_path, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int errsv = errno;

      set_file_error (error, errsv, dir, _("cannot create a file in this folder"));
      g_clear_pointer (&o->tmp_path, g_free);
      out_free (o);
      return NULL;
    }
  /* g_mkstemp_full applies the mode through open(), which the umask narrows: what any new
   * file gets. */
  o->fp = fdopen (fd, "wb");
  if (g_str_has_suffix (lower, ".gz"))
    o->z = G_CONVERTER (g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6));
  return o;
}

static Out *
out_new_memory (void)
{
  Out *o = g_new0 (Out, 1);

  o->buf = g_string_new (NULL);
  return o;
}

static gboolean
out_write_raw (Out         *o,
               const char  *data,
               gsize        len,
               GError     **error)
{
  if (len > 0 && fwrite (data, 1, len, o->fp) != len)
    {
      set_file_error (error, errno, o->path, _("cannot write"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
out_flush (Out       *o,
           gboolean   at_end,
           GError   **error)
{
  const char *in = o->buf->str;
  gsize left = o->buf->len;
  char zbuf[1 << 16];

  if (o->z == NULL)
    {
      gboolean ok = out_write_raw (o, in, left, error);

      g_string_truncate (o->buf, 0);
      return ok;
    }
  while (left > 0 || at_end)
    {
      gsize r = 0, w = 0;
      GConverterResult res;

      res = g_converter_convert (o->z, in, left, zbuf, sizeof zbuf,
                                 at_end ? G_CONVERTER_INPUT_AT_END : G_CONVERTER_NO_FLAGS,
                                 &r, &w, error);
      if (res == G_CONVERTER_ERROR)
        {
          g_prefix_error (error, "%s: ", o->path);
          return FALSE;
        }
      in += r;
      left -= r;
      if (!out_write_raw (o, zbuf, w, error))
        return FALSE;
      if (res == G_CONVERTER_FINISHED)
        break;
    }
  g_string_truncate (o->buf, 0);
  return TRUE;
}

static gboolean
out_append (Out        *o,
            GString    *row,
            GError    **error)
{
  g_string_append_len (o->buf, row->str, row->len);
  if (o->fp != NULL && o->buf->len >= (1 << 18))
    return out_flush (o, FALSE, error);
  return TRUE;
}

/* Everything out and on disk; the file keeps its temporary name until out_commit. */
static gboolean
out_finish (Out     *o,
            GError **error)
{
  int rc;

  if (!out_flush (o, TRUE, error))
    return FALSE;
  if (fflush (o->fp) != 0 || fsync (fileno (o->fp)) != 0)
    {
      set_file_error (error, errno, o->path, _("cannot write"));
      return FALSE;
    }
  rc = fclose (o->fp);
  o->fp = NULL;
  if (rc != 0)
    {
      set_file_error (error, errno, o->path, _("cannot write"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
out_commit (Out     *o,
            GError **error)
{
  if (g_rename (o->tmp_path, o->path) != 0)
    {
      set_file_error (error, errno, o->path, _("cannot put the file in place"));
      return FALSE;
    }
  g_clear_pointer (&o->tmp_path, g_free);
  return TRUE;
}

/* ---- JSON and CSV text ------------------------------------------------------------------- */

/* 0: copied as it is; 1: escaped; 2: the first byte of a multi-byte character. */
static const guint8 json_class[256] = {
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* The length of the well-formed UTF-8 character at @p (its first byte >= 0x80), 0 if it is
 * not one (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF). */
static int
utf8_char_length (const guchar *p,
                  const guchar *end)
{
  guchar c = p[0];
  guchar lo = 0x80, hi = 0xBF;
  int n;

  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    {
      n = 3;
      if (c == 0xE0)
        lo = 0xA0;
      else if (c == 0xED)
        hi = 0x9F;
    }
  else if (c >= 0xF0 && c <= 0xF4)
    {
      n = 4;
      if (c == 0xF0)
        lo = 0x90;
      else if (c == 0xF4)
        hi = 0x8F;
    }
  else
    return 0;
  if (end - p < n || p[1] < lo || p[1] > hi)
    return 0;
  for (int i = 2; i < n; i++)
    if ((p[i] & 0xC0) != 0x80)
      return 0;
  return n;
}

/* A JSON string literal of @s in one pass: the room for the worst case (every byte \u00XX) is
 * taken at once, so runs are plain copies and the buffer, reused row after row, grows rarely.
 * Text from models is untrusted: invalid UTF-8 becomes U+FFFD rather than broken JSON. */
static void
append_json_string (GString    *out,
                    const char *s,
                    gssize      len)
{
  static const char hex[] = "0123456789abcdef";
  const guchar *p, *end;
  gsize start = out->len;
  char *w;

  if (s == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  if (len < 0)
    len = strlen (s);
  p = (const guchar *) s;
  end = p + len;
  g_string_set_size (out, start + 6 * (gsize) len + 2);
  w = out->str + start;
  *w++ = '"';
  while (p < end)
    {
      const guchar *run = p;
      int n;

      while (p < end && json_class[*p] == 0)
        p++;
      memcpy (w, run, p - run);
      w += p - run;
      if (p >= end)
        break;
      if (json_class[*p] == 2)
        {
          if ((n = utf8_char_length (p, end)) == 0)
            {
              /* a byte that starts no character: U+FFFD in its place, as g_utf8_make_valid */
              memcpy (w, "\xef\xbf\xbd", 3);
              w += 3;
              p++;
              continue;
            }
          memcpy (w, p, n);
          w += n;
          p += n;
          continue;
        }
      *w++ = '\\';
      switch (*p)
        {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '\n': *w++ = 'n'; break;
        case '\r': *w++ = 'r'; break;
        case '\t': *w++ = 't'; break;
        case '\b': *w++ = 'b'; break;
        case '\f': *w++ = 'f'; break;
        default:
          *w++ = 'u';
          *w++ = '0';
          *w++ = '0';
          *w++ = hex[*p >> 4];
          *w++ = hex[*p & 15];
          break;
        }
      p++;
    }
  *w++ = '"';
  g_string_truncate (out, w - out->str);
}

static void
append_number (GString *out,
               double   x)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (x))
    {
      g_string_append (out, "null");
      return;
    }
  if (x == 0)
    x = 0;  /* no "-0" */
  g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.6g", x));
}

/* A message's content as text: a string as it is, anything else as its JSON. */
static const char *
content_text (json_object *msg)
{
  json_object *content = NULL;

  if (!json_object_object_get_ex (msg, "content", &content) || content == NULL)
    return "";
  if (json_object_get_type (content) == json_type_string)
    return json_object_get_string (content);
  return json_object_to_json_string_ext (content, JSON_C_TO_STRING_PLAIN |
                                                  JSON_C_TO_STRING_NOSLASHESCAPE);
}

static const char *
role_label (const char *role)
{
  if (g_strcmp0 (role, "user") == 0)
    return "Human";
  if (g_strcmp0 (role, "assistant") == 0)
    return "Assistant";
  if (g_strcmp0 (role, "system") == 0)
    return "System";
  return role != NULL ? role : "Human";
}

/* The prompt as one string: a lone user message is its content; any other conversation, or any
 * at all when @transcript (the implicit prompt, where prompt and response share one string), is
 * an HH-RLHF transcript ("\n\nHuman: …\n\nAssistant: …") that ends with "\n\nAssistant: ", so
 * that prompt + response reads as the whole dialogue. */
static void
render_prompt (GString    *out,
               const char *messages_json,
               gboolean    transcript)
{
  g_autoptr(json_object) messages = json_tokener_parse (messages_json);
  size_t n;

  g_string_truncate (out, 0);
  if (messages == NULL || json_object_get_type (messages) != json_type_array)
    {
      g_string_append (out, messages_json);
      return;
    }
  n = json_object_array_length (messages);
  if (n == 1 && !transcript)
    {
      json_object *msg = json_object_array_get_idx (messages, 0);
      json_object *role = NULL;

      if (json_object_object_get_ex (msg, "role", &role) &&
          g_strcmp0 (json_object_get_string (role), "user") == 0)
        {
          g_string_append (out, content_text (msg));
          return;
        }
    }
  for (size_t i = 0; i < n; i++)
    {
      json_object *msg = json_object_array_get_idx (messages, i);
      json_object *role = NULL;

      json_object_object_get_ex (msg, "role", &role);
      g_string_append_printf (out, "\n\n%s: %s",
                              role_label (role != NULL ? json_object_get_string (role) : NULL),
                              content_text (msg));
    }
  g_string_append (out, "\n\nAssistant: ");
}

/* A response as a message list: its own messages when it spans turns, else one assistant
 * message. */
static void
append_response_messages (GString    *out,
                          const char *text,
                          gssize      len,
                          const char *messages)
{
  if (messages != NULL)
    {
      g_string_append (out, messages);
      return;
    }
  g_string_append (out, "[{\"role\":\"assistant\",\"content\":");
  append_json_string (out, text, len);
  g_string_append (out, "}]");
}

static void
append_csv_field (GString    *out,
                  const char *s,
                  gssize      len)
{
  g_autofree char *valid = NULL;

  if (s == NULL)
    return;
  if (len < 0)
    len = strlen (s);
  if (!g_utf8_validate_len (s, len, NULL))
    {
      valid = g_utf8_make_valid (s, len);
      s = valid;
      len = strlen (valid);
    }
  if (strcspn (s, ",\"\r\n") >= (gsize) len && memchr (s, '"', len) == NULL)
    {
      g_string_append_len (out, s, len);
      return;
    }
  g_string_append_c (out, '"');
  for (gssize i = 0; i < len; i++)
    {
      if (s[i] == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, s[i]);
    }
  g_string_append_c (out, '"');
}

/* ---- choosing raters --------------------------------------------------------------------- */

/* The counted raters as a JSON array of ids (bound to the queries), and their names. */
static char *
counted_raters (ArbWorkspace           *ws,
                const ArbExportOptions *options,
                GPtrArray              *names,
                GError                **error)
{
  const char * const *wanted = options->raters;
  gboolean named = wanted != NULL && wanted[0] != NULL;
  g_autoptr(GString) ids = g_string_new ("[");
  sqlite3_stmt *stmt;
  int rc;

  stmt = _arb_workspace_prepare (ws, "SELECT id, name, kind, role FROM visible_raters"
                                     " ORDER BY name", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 1);
      const char *kind = (const char *) sqlite3_column_text (stmt, 2);
      const char *role = (const char *) sqlite3_column_text (stmt, 3);

      /* By default the human annotators; the verdicts and token-level formats list
       * adjudicators' labels too (the aggregating formats count adjudicators anyway, in the
       * query). */
      if (named ? !g_strv_contains (wanted, name)
                : !options->all_raters &&
                  !(g_strcmp0 (kind, "human") == 0 && g_strcmp0 (role, "annotator") == 0) &&
                  !(!aggregates (options->format) && g_strcmp0 (role, "adjudicator") == 0))
        continue;
      if (ids->len > 1)
        g_string_append_c (ids, ',');
      g_string_append_printf (ids, "%" G_GINT64_FORMAT, (gint64) sqlite3_column_int64 (stmt, 0));
      g_ptr_array_add (names, g_strdup (name));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "reading raters");
      return NULL;
    }
  for (guint i = 0; named && wanted[i] != NULL; i++)
    {
      gboolean found = FALSE;

      for (guint k = 0; k < names->len && !found; k++)
        found = g_str_equal (names->pdata[k], wanted[i]);
      if (!found)
        {
          g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND,
                       _("%s: no rater named “%s” (arbiter-cli info lists them)"),
                       arb_workspace_get_path (ws), wanted[i]);
          return NULL;
        }
    }
  g_string_append_c (ids, ']');
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

/* ---- the queries ------------------------------------------------------------------------- */

/* Comparisons flagged now: per rater and comparison, the last flag or unflag event that no
 * undo event names ("event:ID", as arb-queue.c writes them) is a flag. */
#define FLAGGED_CTE \
  "undone AS MATERIALIZED (SELECT CAST (substr (payload, 7) AS INTEGER) AS id FROM events" \
  "  WHERE action = 'undo' AND substr (payload, 1, 6) = 'event:')," \
  " flagged AS MATERIALIZED (SELECT comparison_id FROM (" \
  "  SELECT comparison_id, action, max (id) FROM events" \
  "  WHERE action IN ('flag', 'unflag') AND comparison_id IS NOT NULL" \
  "    AND id NOT IN (SELECT id FROM undone)" \
  "  GROUP BY rater_id, comparison_id) WHERE action = 'flag')"

/* ?1: JSON array of the counted raters' ids. */
static const char verdicts_sql[] =
  "WITH " FLAGGED_CTE
  " SELECT v.id, v.uuid, r.name, r.kind, r.origin, r.role, v.presented, v.sample, v.strength,"
  "   v.preference, v.status, v.rationale, v.seconds, v.created_at, c.uuid, p.uuid, p.id,"
  "   ga.uuid, gb.uuid, ga.id, gb.id, c.id IN (SELECT comparison_id FROM flagged)"
  " FROM current_verdicts v JOIN visible_raters r ON r.id = v.rater_id"
  " JOIN visible_comparisons c ON c.id = v.comparison_id"
  " JOIN visible_prompts p ON p.id = c.prompt_id"
  " JOIN generations ga ON ga.id = c.a_id JOIN generations gb ON gb.id = c.b_id"
  " WHERE v.rater_id IN (SELECT value FROM json_each (?1))"
  " ORDER BY c.id, r.name, v.presented, v.sample, v.id";

/* ---- the export -------------------------------------------------------------------------- */

typedef struct
{
  ArbWorkspace           *ws;
  const ArbExportOptions *options;
  ArbExportResult        *result;
  Out                    *main;
  Out                    *split;
  GHashTable             *systems;   /* name → rows (gint64 *) */
  GString                *row;
  GCancellable           *cancellable;
  gint64                  prompt_id;        /* whose messages and text are below; 0 none */
  GString                *prompt_messages;  /* canonical JSON */
  GString                *prompt_text;      /* as one string (render_prompt) */
  GString                *scratch;
  gint64                  prompt_text_id;   /* whose string form prompt_text is */
  gint64                  total;            /* items to read, for progress; 0 unknown */
  gint64                  progress_time;
  gboolean                preview;          /* options->preview_records > 0: no files */
} Export;

/* A generation as looked up by id: its text, its messages ("" when it has none), its system. */
typedef struct
{
  GString  *text;
  GString  *messages;
  gboolean  has_messages;
  GString  *system;
} Gen;

#define GEN_INIT { g_string_new (NULL), g_string_new (NULL), FALSE, g_string_new (NULL) }

static void
gen_clear (Gen *g)
{
  g_string_free (g->text, TRUE);
  g_string_free (g->messages, TRUE);
  g_string_free (g->system, TRUE);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Gen, gen_clear)

static gboolean
fetch_generation (Export  *ex,
                  gint64   id,
                  Gen     *g,
                  GError **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (ex->ws,
                                               "SELECT g.text, g.messages, s.name FROM"
                                               " generations g JOIN systems s ON s.id = g.system_id"
                                               " WHERE g.id = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      g_string_truncate (g->text, 0);
      g_string_append_len (g->text, (const char *) sqlite3_column_text (stmt, 0),
                           sqlite3_column_bytes (stmt, 0));
      g_string_truncate (g->messages, 0);
      g->has_messages = sqlite3_column_type (stmt, 1) != SQLITE_NULL;
      if (g->has_messages)
        g_string_append_len (g->messages, (const char *) sqlite3_column_text (stmt, 1),
                             sqlite3_column_bytes (stmt, 1));
      g_string_assign (g->system, (const char *) sqlite3_column_text (stmt, 2));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ex->ws), "reading a generation");
      return FALSE;
    }
  return TRUE;
}

/* The prompt's messages and its string form; rows come in prompt order, so each prompt is read
 * and rendered once. */
static gboolean
fetch_prompt (Export  *ex,
              gint64   id,
              GError **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (ex->prompt_id == id)
    return TRUE;
  stmt = _arb_workspace_prepare (ex->ws, "SELECT messages FROM prompts WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      g_string_truncate (ex->prompt_messages, 0);
      g_string_append_len (ex->prompt_messages, (const char *) sqlite3_column_text (stmt, 0),
                           sqlite3_column_bytes (stmt, 0));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ex->ws), "reading a prompt");
      return FALSE;
    }
  render_prompt (ex->prompt_text, ex->prompt_messages->str, ex->options->implicit_prompt);
  ex->prompt_id = id;
  return TRUE;
}

static void
tally_system (Export     *ex,
              const char *name)
{
  gint64 *n;

  if (ex->preview)
    return;   /* the tally is for the card, which a preview has not */
  n = g_hash_table_lookup (ex->systems, name);

  if (n == NULL)
    {
      n = g_new0 (gint64, 1);
      g_hash_table_insert (ex->systems, g_strdup (name), n);
    }
  (*n)++;
}

/* Which file a prompt's rows go to: a hash of the seed and the prompt's UUID, so the same seed
 * always puts a prompt on the same side, whatever else is exported. */
static Out *
target_for (Export     *ex,
            const char *prompt_uuid)
{
  g_autoptr(GChecksum) sum = NULL;
  guint8 digest[32];
  gsize len = sizeof digest;
  char seed[32];
  guint64 x = 0;

  if (ex->split == NULL)
    return ex->main;
  sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_snprintf (seed, sizeof seed, "%" G_GUINT64_FORMAT ":", ex->options->seed);
  g_checksum_update (sum, (const guchar *) seed, -1);
  g_checksum_update (sum, (const guchar *) prompt_uuid, -1);
  g_checksum_get_digest (sum, digest, &len);
  for (int i = 0; i < 8; i++)
    x = (x << 8) | digest[i];
  if ((double) (x >> 11) / (double) (G_GUINT64_CONSTANT (1) << 53) < ex->options->split_fraction)
    return ex->split;
  return ex->main;
}

/* Whether a row for @target is written out, so that its text must be made: always in an
 * export; in a preview only the data file's first preview_records rows. A row that is not made
 * still counts (count_row). */
static gboolean
row_wanted (Export *ex,
            Out    *target)
{
  return !ex->preview ||
         (target == ex->main && target->rows < (gint64) ex->options->preview_records);
}

static void
count_row (Export *ex,
           Out    *target)
{
  ex->result->rows++;
  if (target == ex->split)
    ex->result->rows_split++;
}

static gboolean
write_row (Export     *ex,
           Out        *target,
           GError    **error)
{
  if (!row_wanted (ex, target))
    {
      count_row (ex, target);
      return TRUE;
    }
  g_string_append_c (ex->row, '\n');
  if (!out_append (target, ex->row, error))
    return FALSE;
  target->rows++;
  ex->result->rows++;
  if (target == ex->split)
    ex->result->rows_split++;
  return TRUE;
}

static gboolean
cancelled (Export  *ex,
           gint64   n,
           GError **error)
{
  return n % 1024 == 0 && g_cancellable_set_error_if_cancelled (ex->cancellable, error);
}

static void
report_progress (Export *ex,
                 gint64  done)
{
  gint64 now;

  if (ex->options->progress == NULL || done % 256 != 0)
    return;
  now = g_get_monotonic_time ();
  if (now - ex->progress_time < G_USEC_PER_SEC / 10)
    return;
  ex->progress_time = now;
  ex->options->progress (done, ex->total, ex->result->rows, ex->options->progress_data);
}

/* One side of a pairwise row, as a string or a message list; with the implicit prompt the
 * whole conversation: the transcript and the response as one string, or the prompt's messages
 * followed by the response's. */
static void
append_side (Export     *ex,
             const char *text,
             gsize       len,
             const char *messages)
{
  const ArbExportOptions *o = ex->options;

  if (!o->implicit_prompt)
    {
      if (o->conversational)
        append_response_messages (ex->row, text, len, messages);
      else
        append_json_string (ex->row, text, len);
      return;
    }
  if (o->conversational)
    {
      gsize mark;

      /* "[…prompt…]" and "[…response…]" become "[…prompt…, …response…]" */
      g_string_append_len (ex->row, ex->prompt_messages->str, ex->prompt_messages->len);
      while (ex->row->len > 0 && ex->row->str[ex->row->len - 1] != ']')
        g_string_truncate (ex->row, ex->row->len - 1);
      g_string_truncate (ex->row, ex->row->len - 1);
      g_string_append (ex->row, ", ");
      mark = ex->row->len;
      append_response_messages (ex->row, text, len, messages);
      {
        const char *open = strchr (ex->row->str + mark, '[');

        if (open != NULL)
          g_string_erase (ex->row, mark, open + 1 - (ex->row->str + mark));
      }
      return;
    }
  g_string_truncate (ex->scratch, 0);
  g_string_append_len (ex->scratch, ex->prompt_text->str, ex->prompt_text->len);
  g_string_append_len (ex->scratch, text, len);
  append_json_string (ex->row, ex->scratch->str, ex->scratch->len);
}

/* One rater's verdicts on the comparison being read, averaged. */
typedef struct
{
  gint64   rater;
  gboolean adjudicator;
  double   sum_p;
  gint64   n_p;
  double   sum_s;
  gint64   n_s;
} RaterVotes;

/* A generation as the pairwise query gives it: copied, since the query steps on. */
typedef struct
{
  GString  *kind;
  GString  *text;
  GString  *messages;       /* "" when it has none */
  gboolean  has_messages;
  GString  *hash;
  GString  *system;
} Side;

static void
side_init (Side *s)
{
  s->kind = g_string_new (NULL);
  s->text = g_string_new (NULL);
  s->messages = g_string_new (NULL);
  s->hash = g_string_new (NULL);
  s->system = g_string_new (NULL);
}

static void
side_clear (Side *s)
{
  g_string_free (s->kind, TRUE);
  g_string_free (s->text, TRUE);
  g_string_free (s->messages, TRUE);
  g_string_free (s->hash, TRUE);
  g_string_free (s->system, TRUE);
}

static void
assign_column (GString      *out,
               sqlite3_stmt *stmt,
               int           col)
{
  g_string_truncate (out, 0);
  if (sqlite3_column_type (stmt, col) != SQLITE_NULL)
    g_string_append_len (out, (const char *) sqlite3_column_blob (stmt, col),
                         sqlite3_column_bytes (stmt, col));
}

static void
side_read (Side         *s,
           sqlite3_stmt *stmt,
           int           first)
{
  assign_column (s->kind, stmt, first);
  assign_column (s->text, stmt, first + 1);
  s->has_messages = sqlite3_column_type (stmt, first + 2) != SQLITE_NULL;
  assign_column (s->messages, stmt, first + 2);
  assign_column (s->hash, stmt, first + 3);
  assign_column (s->system, stmt, first + 4);
}

/* The prompt's string form as a JSON literal, straight from its canonical messages when they
 * are one user message, [{"role":"user","content":"…"}]: the content's literal is already a JSON
 * string (json-c wrote it from valid UTF-8), and parsing it only to escape it again is what
 * dominated the export's time after the texts. FALSE for any other shape. */
static gboolean
prompt_literal (GString     *messages,
                const char **out_literal,
                gsize       *out_len)
{
  static const char head[] = "[{\"role\":\"user\",\"content\":\"";
  const char *p, *end;

  if (messages->len < sizeof head + 2 || memcmp (messages->str, head, sizeof head - 1) != 0 ||
      memcmp (messages->str + messages->len - 2, "}]", 2) != 0)
    return FALSE;
  p = messages->str + sizeof head - 1;
  end = messages->str + messages->len - 2;
  while (p < end && *p != '"')
    {
      if ((guchar) *p < 0x20)
        return FALSE;
      p += *p == '\\' ? 2 : 1;
    }
  if (p + 1 != end)
    return FALSE;
  *out_literal = messages->str + sizeof head - 2;
  *out_len = end - *out_literal;
  return TRUE;
}

/* The comparison being read. */
typedef struct
{
  gint64   id;
  gint64   prompt_id;
  GString *prompt_uuid;
  gboolean flagged;
  Side     a, b;
  GArray  *raters;   /* RaterVotes */
} Pair;

/* ?1: JSON array of the counted raters' ids. One row per counted verdict (current, ok, with a
 * preference; an adjudicator's always), in the order of the comparisons' natural key (prompt,
 * A, B), which their unique index gives without a sort, so that a prompt's rows are together
 * and nothing but the current comparison is held. The verdicts of a comparison come from its
 * index; their texts are read once per comparison. */
static const char pairwise_sql[] =
  "WITH " FLAGGED_CTE
  " SELECT c.id, c.prompt_id, v.rater_id, r.role = 'adjudicator', v.preference, v.strength,"
  "   p.uuid, p.messages, c.id IN (SELECT comparison_id FROM flagged),"
  "   ga.kind, ga.text, ga.messages, ga.text_hash, sa.name,"
  "   gb.kind, gb.text, gb.messages, gb.text_hash, sb.name"
  " FROM visible_comparisons c"
  " CROSS JOIN current_verdicts v ON v.comparison_id = c.id"
  " JOIN visible_raters r ON r.id = v.rater_id"
  " JOIN visible_prompts p ON p.id = c.prompt_id"
  " JOIN generations ga ON ga.id = c.a_id JOIN systems sa ON sa.id = ga.system_id"
  " JOIN generations gb ON gb.id = c.b_id JOIN systems sb ON sb.id = gb.system_id"
  " WHERE v.status = 'ok' AND v.preference IS NOT NULL"
  "   AND (r.role = 'adjudicator' OR v.rater_id IN (SELECT value FROM json_each (?1)))"
  " ORDER BY c.prompt_id, c.a_id, c.b_id";

typedef struct
{
  char *prompt_key, *chosen_key, *rejected_key;   /* JSON strings with their colon */
  GHashTable *seen;                               /* this prompt's row keys (GBytes) */
  const char *literal;                            /* in prompt_messages: the prompt as a JSON
                                                   * string, or NULL: use prompt_text */
  gsize       literal_len;
  gint64      seen_prompt;
  GString    *key;
} PairState;

/* The rules, in their order, on one comparison whose verdicts are all read; its rows out. */
static gboolean
finish_pair (Export     *ex,
             PairState  *st,
             Pair       *c,
             GError    **error)
{
  const ArbExportOptions *o = ex->options;
  gboolean kto = o->format == ARB_EXPORT_TRL_KTO;
  gboolean has_adj = FALSE, has_outcome = TRUE, tie, same_hash;
  gint64 nv = 0, nb = 0, na = 0, nt = 0;
  double pm = 0, sv = 0, agreement;
  int outcome;

  /* Each rater's verdicts average into one preference that votes; where an adjudicator gave
   * one, only adjudicators count. */
  for (guint i = 0; i < c->raters->len; i++)
    has_adj |= g_array_index (c->raters, RaterVotes, i).adjudicator;
  for (guint i = 0; i < c->raters->len; i++)
    {
      const RaterVotes *r = &g_array_index (c->raters, RaterVotes, i);
      double p = r->sum_p / r->n_p, s = r->n_s > 0 ? r->sum_s / r->n_s : 1;
      int vote = p > 0.5 ? 1 : p < 0.5 ? -1 : 0;

      if (r->adjudicator != has_adj)
        continue;
      nv++;
      nb += vote == 1;
      na += vote == -1;
      nt += vote == 0;
      pm += p;
      sv += s * vote;
    }
  pm /= nv;
  sv /= nv;
  switch (o->policy)
    {
    case ARB_EXPORT_POLICY_MEAN:
      outcome = pm > 0.5 + 1e-9 ? 1 : pm < 0.5 - 1e-9 ? -1 : 0;
      break;
    case ARB_EXPORT_POLICY_UNANIMOUS:
      outcome = nb == nv ? 1 : na == nv ? -1 : 0;
      has_outcome = nb == nv || na == nv || nt == nv;
      break;
    case ARB_EXPORT_POLICY_MAJORITY:
    case ARB_EXPORT_POLICY_SINGLE:
    default:
      outcome = nb > na && nb > nt ? 1 : na > nb && na > nt ? -1 : 0;
      break;
    }
  tie = has_outcome && outcome == 0;

  ex->result->considered++;
  if (has_adj)
    ex->result->adjudicated++;
#define DROP(field) { ex->result->field++; return TRUE; }
  if (c->flagged)
    DROP (flagged);
  if (!g_str_equal (c->a.kind->str, "text") || !g_str_equal (c->b.kind->str, "text"))
    DROP (not_text);
  if (!o->conversational && (c->a.has_messages || c->b.has_messages))
    DROP (multi_turn);
  if (!has_outcome)
    DROP (disagreement);
  agreement = (double) (outcome == 1 ? nb : outcome == -1 ? na : nt) / MAX (nv, 1);
  if (o->min_agreement > 0 && agreement < o->min_agreement - 1e-12)
    DROP (low_agreement);
  if (tie && (kto || !o->keep_ties))
    DROP (ties);
  same_hash = g_string_equal (c->a.hash, c->b.hash);
  if (same_hash && g_string_equal (c->a.text, c->b.text) &&
      c->a.has_messages == c->b.has_messages && g_string_equal (c->a.messages, c->b.messages))
    DROP (same_text);
#undef DROP
  if (tie)
    ex->result->ties++;

  if (st->seen_prompt != c->prompt_id)
    {
      g_hash_table_remove_all (st->seen);
      st->seen_prompt = c->prompt_id;
    }
  /* trl-kto: the chosen side labelled true, then the other false; else one row. A tie row has
   * A (stored first) as chosen. */
  for (int label = 1; label >= (kto ? 0 : 1); label--)
    {
      const Side *s1 = (outcome == 1) == (label == 1) ? &c->b : &c->a;
      const Side *s2 = s1 == &c->a ? &c->b : &c->a;
      Out *target;
      GBytes *key;

      /* Identical rows (same prompt, texts and marks) are written once. */
      g_string_truncate (st->key, 0);
      g_string_append_len (st->key, s1->hash->str, s1->hash->len);
      g_string_append_c (st->key, label ? 'T' : 'F');
      g_string_append_c (st->key, tie ? 't' : 'd');
      g_string_append_len (st->key, s1->messages->str, s1->messages->len);
      if (!kto)
        {
          g_string_append_c (st->key, '\0');
          g_string_append_len (st->key, s2->hash->str, s2->hash->len);
          g_string_append_len (st->key, s2->messages->str, s2->messages->len);
        }
      key = g_bytes_new (st->key->str, st->key->len);
      if (g_hash_table_contains (st->seen, key))
        {
          g_bytes_unref (key);
          ex->result->duplicates++;
          continue;
        }
      g_hash_table_add (st->seen, key);
      target = target_for (ex, c->prompt_uuid->str);
      if (!row_wanted (ex, target))
        {
          /* a preview past its rows: counted, not made */
          count_row (ex, target);
          continue;
        }
      if (ex->prompt_text_id != c->prompt_id)
        {
          /* A lone user message, as the workspace stores it, is written from its JSON as it
           * is; anything else is parsed and rendered. */
          if (!o->conversational && !o->implicit_prompt &&
              prompt_literal (ex->prompt_messages, &st->literal, &st->literal_len))
            g_string_truncate (ex->prompt_text, 0);
          else
            {
              st->literal = NULL;
              render_prompt (ex->prompt_text, ex->prompt_messages->str, o->implicit_prompt);
            }
          ex->prompt_text_id = c->prompt_id;
        }

      g_string_truncate (ex->row, 0);
      g_string_append_c (ex->row, '{');
      if (!o->implicit_prompt)
        {
          g_string_append (ex->row, st->prompt_key);
          if (o->conversational)
            g_string_append_len (ex->row, ex->prompt_messages->str, ex->prompt_messages->len);
          else if (st->literal != NULL)
            g_string_append_len (ex->row, st->literal, st->literal_len);
          else
            append_json_string (ex->row, ex->prompt_text->str, ex->prompt_text->len);
          g_string_append (ex->row, ", ");
        }
      if (kto)
        {
          g_string_append (ex->row, "\"completion\": ");
          append_side (ex, s1->text->str, s1->text->len,
                       s1->has_messages ? s1->messages->str : NULL);
          g_string_append (ex->row, label ? ", \"label\": true" : ", \"label\": false");
        }
      else
        {
          g_string_append (ex->row, st->chosen_key);
          append_side (ex, s1->text->str, s1->text->len,
                       s1->has_messages ? s1->messages->str : NULL);
          g_string_append (ex->row, ", ");
          g_string_append (ex->row, st->rejected_key);
          append_side (ex, s2->text->str, s2->text->len,
                       s2->has_messages ? s2->messages->str : NULL);
          if (o->margin != ARB_EXPORT_MARGIN_NONE)
            {
              double m;

              if (o->margin == ARB_EXPORT_MARGIN_STRENGTH)
                m = outcome == 1 ? sv : outcome == -1 ? -sv : 0;
              else
                m = outcome == 1 ? 2 * pm - 1 : outcome == -1 ? 1 - 2 * pm : 0;
              g_string_append (ex->row, ", \"margin\": ");
              append_number (ex->row, m);
            }
          if (o->keep_ties)
            g_string_append (ex->row, tie ? ", \"tie\": true" : ", \"tie\": false");
        }
      g_string_append_c (ex->row, '}');
      if (!write_row (ex, target, error))
        return FALSE;
      tally_system (ex, s1->system->str);
      if (!kto)
        tally_system (ex, s2->system->str);
    }
  return TRUE;
}

static char *
json_key (const char *name)
{
  g_autoptr(GString) s = g_string_new (NULL);

  append_json_string (s, name, -1);
  g_string_append (s, ": ");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gboolean
export_pairwise (Export  *ex,
                 GError **error)
{
  const ArbExportOptions *o = ex->options;
  gboolean openrlhf = o->format == ARB_EXPORT_OPENRLHF;
  g_autofree char *counted = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  PairState st = { 0 };
  Pair c = { 0 };
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;
  gint64 n = 0;
  int rc;

  counted = counted_raters (ex->ws, o, names, error);
  if (counted == NULL)
    return FALSE;
  stmt = _arb_workspace_prepare (ex->ws, pairwise_sql, error);
  if (stmt == NULL)
    return FALSE;
  /* Key names for openrlhf, already as JSON strings with their colon. */
  st.prompt_key = json_key (openrlhf && o->prompt_key != NULL ? o->prompt_key : "prompt");
  st.chosen_key = json_key (openrlhf && o->chosen_key != NULL ? o->chosen_key : "chosen");
  st.rejected_key = json_key (openrlhf && o->rejected_key != NULL ? o->rejected_key
                                                                   : "rejected");
  st.seen = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                   (GDestroyNotify) g_bytes_unref, NULL);
  st.key = g_string_new (NULL);
  c.prompt_uuid = g_string_new (NULL);
  side_init (&c.a);
  side_init (&c.b);
  c.raters = g_array_new (FALSE, FALSE, sizeof (RaterVotes));
  ex->prompt_id = 0;
  ex->prompt_text_id = 0;

  sqlite3_bind_text (stmt, 1, counted, -1, SQLITE_TRANSIENT);
  for (;;)
    {
      gint64 id, rater;
      RaterVotes *r = NULL;

      rc = sqlite3_step (stmt);
      id = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
      if (id != c.id && c.id != 0 && !finish_pair (ex, &st, &c, error))
        goto out;
      if (rc != SQLITE_ROW)
        break;
      if (id != c.id)
        {
          gint64 prompt_id = sqlite3_column_int64 (stmt, 1);

          if (cancelled (ex, ++n, error))
            goto out;
          report_progress (ex, n);
          c.id = id;
          g_array_set_size (c.raters, 0);
          if (prompt_id != c.prompt_id)
            {
              c.prompt_id = prompt_id;
              assign_column (c.prompt_uuid, stmt, 6);
              assign_column (ex->prompt_messages, stmt, 7);
              ex->prompt_id = prompt_id;
            }
          c.flagged = sqlite3_column_int (stmt, 8) != 0;
          side_read (&c.a, stmt, 9);
          side_read (&c.b, stmt, 14);
        }
      rater = sqlite3_column_int64 (stmt, 2);
      for (guint i = 0; i < c.raters->len && r == NULL; i++)
        if (g_array_index (c.raters, RaterVotes, i).rater == rater)
          r = &g_array_index (c.raters, RaterVotes, i);
      if (r == NULL)
        {
          RaterVotes add = { rater, sqlite3_column_int (stmt, 3) != 0, 0, 0, 0, 0 };

          g_array_append_val (c.raters, add);
          r = &g_array_index (c.raters, RaterVotes, c.raters->len - 1);
        }
      r->sum_p += sqlite3_column_double (stmt, 4);
      r->n_p++;
      if (sqlite3_column_type (stmt, 5) != SQLITE_NULL)
        {
          r->sum_s += sqlite3_column_int (stmt, 5);
          r->n_s++;
        }
    }
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ex->ws), "reading verdicts");
      goto out;
    }
  ok = TRUE;

out:
  sqlite3_reset (stmt);
  g_free (st.prompt_key);
  g_free (st.chosen_key);
  g_free (st.rejected_key);
  g_hash_table_unref (st.seen);
  g_string_free (st.key, TRUE);
  g_string_free (c.prompt_uuid, TRUE);
  side_clear (&c.a);
  side_clear (&c.b);
  g_array_unref (c.raters);
  /* prompt_messages now holds the last prompt read, not prompt_id's of fetch_prompt */
  ex->prompt_id = 0;
  return ok;
}

static const char *const verdict_columns[] = {
  "verdict_uuid", "rater", "rater_kind", "rater_origin", "rater_role", "presented", "sample",
  "strength", "preference", "status", "dimensions", "rationale", "seconds", "created_at",
  "comparison_uuid", "prompt_uuid", "generation_a_uuid", "generation_b_uuid", "system_a",
  "system_b", "prompt", "response_a", "response_b", NULL
};

/* Where each of verdict_columns is in verdicts_sql (-1: dimensions, systems, prompt and
 * responses, looked up apart). */
static const int verdict_query_column[] = {
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1, 11, 12, 13, 14, 15, 17, 18, -1, -1, -1, -1, -1
};
G_STATIC_ASSERT (G_N_ELEMENTS (verdict_query_column) == G_N_ELEMENTS (verdict_columns) - 1);

/* The verdict's dimensions as a JSON object {"name": {"preference": p, "strength": s}}. */
static gboolean
append_dimensions (Export  *ex,
                   GString *out,
                   gint64   verdict_id,
                   GError **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (ex->ws,
                                               "SELECT dimension, preference, strength FROM"
                                               " verdict_dimensions WHERE verdict_id = ?"
                                               " ORDER BY dimension", error);
  gboolean first = TRUE;
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, verdict_id);
  g_string_append_c (out, '{');
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (!first)
        g_string_append (out, ", ");
      first = FALSE;
      append_json_string (out, (const char *) sqlite3_column_text (stmt, 0), -1);
      g_string_append (out, ": {\"preference\": ");
      if (sqlite3_column_type (stmt, 1) == SQLITE_NULL)
        g_string_append (out, "null");
      else
        append_number (out, sqlite3_column_double (stmt, 1));
      g_string_append (out, ", \"strength\": ");
      if (sqlite3_column_type (stmt, 2) == SQLITE_NULL)
        g_string_append (out, "null");
      else
        g_string_append_printf (out, "%d", sqlite3_column_int (stmt, 2));
      g_string_append_c (out, '}');
    }
  sqlite3_reset (stmt);
  g_string_append_c (out, '}');
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ex->ws), "reading dimensions");
      return FALSE;
    }
  return TRUE;
}

static gboolean
export_verdicts (Export  *ex,
                 GError **error)
{
  const ArbExportOptions *o = ex->options;
  gboolean csv = o->format == ARB_EXPORT_VERDICTS_CSV;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *counted = NULL;
  g_autoptr(GString) dims = g_string_new (NULL);
  g_autoptr(GString) num = g_string_new (NULL);
  g_auto(Gen) ga = GEN_INIT, gb = GEN_INIT;
  sqlite3_stmt *stmt;
  gint64 n = 0;
  int rc;

  counted = counted_raters (ex->ws, o, names, error);
  if (counted == NULL)
    return FALSE;
  if (csv)
    {
      g_string_truncate (ex->row, 0);
      for (guint i = 0; verdict_columns[i] != NULL; i++)
        g_string_append_printf (ex->row, "%s%s", i > 0 ? "," : "", verdict_columns[i]);
      g_string_append (ex->row, "\r\n");
      if (!out_append (ex->main, ex->row, error) ||
          (ex->split != NULL && !out_append (ex->split, ex->row, error)))
        return FALSE;
    }

  stmt = _arb_workspace_prepare (ex->ws, verdicts_sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, counted, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *prompt_uuid = (const char *) sqlite3_column_text (stmt, 15);
      Out *target;

      if (cancelled (ex, ++n, error))
        goto fail;
      report_progress (ex, n);
      ex->result->considered++;
      if (sqlite3_column_int (stmt, 21) != 0)
        {
          ex->result->flagged++;
          continue;
        }
      target = target_for (ex, prompt_uuid);
      if (!row_wanted (ex, target))
        {
          /* a preview past its rows: counted, not made */
          count_row (ex, target);
          continue;
        }
      g_string_truncate (dims, 0);
      if (!append_dimensions (ex, dims, sqlite3_column_int64 (stmt, 0), error) ||
          !fetch_prompt (ex, sqlite3_column_int64 (stmt, 16), error) ||
          !fetch_generation (ex, sqlite3_column_int64 (stmt, 19), &ga, error) ||
          !fetch_generation (ex, sqlite3_column_int64 (stmt, 20), &gb, error))
        goto fail;

      g_string_truncate (ex->row, 0);
      if (!csv)
        g_string_append_c (ex->row, '{');
      /* Columns 1.. of the query in the order of verdict_columns, with dimensions, prompt and
       * the responses where they belong. */
      for (guint i = 0; verdict_columns[i] != NULL; i++)
        {
          const char *name = verdict_columns[i];
          int col = -1;
          gboolean number = FALSE;

          if (csv && i > 0)
            g_string_append_c (ex->row, ',');
          else if (!csv)
            {
              if (i > 0)
                g_string_append (ex->row, ", ");
              append_json_string (ex->row, name, -1);
              g_string_append (ex->row, ": ");
            }
          if (g_str_equal (name, "dimensions"))
            {
              if (csv)
                append_csv_field (ex->row, dims->str, dims->len);
              else
                g_string_append_len (ex->row, dims->str, dims->len);
              continue;
            }
          if (g_str_equal (name, "prompt"))
            {
              if (csv)
                append_csv_field (ex->row, ex->prompt_text->str, ex->prompt_text->len);
              else if (o->conversational)
                g_string_append_len (ex->row, ex->prompt_messages->str,
                                     ex->prompt_messages->len);
              else
                append_json_string (ex->row, ex->prompt_text->str, ex->prompt_text->len);
              continue;
            }
          if (verdict_query_column[i] < 0)
            {
              /* system_a, system_b, response_a, response_b */
              GString *v = g_str_equal (name, "system_a") ? ga.system
                           : g_str_equal (name, "system_b") ? gb.system
                           : g_str_equal (name, "response_a") ? ga.text : gb.text;

              if (csv)
                append_csv_field (ex->row, v->str, v->len);
              else
                append_json_string (ex->row, v->str, v->len);
              continue;
            }
          col = verdict_query_column[i];
          number = g_str_equal (name, "sample") || g_str_equal (name, "strength") ||
                   g_str_equal (name, "preference") || g_str_equal (name, "seconds");
          if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
            {
              if (!csv)
                g_string_append (ex->row, "null");
            }
          else if (number)
            {
              g_string_truncate (num, 0);
              if (sqlite3_column_type (stmt, col) == SQLITE_INTEGER)
                g_string_append_printf (num, "%" G_GINT64_FORMAT,
                                        (gint64) sqlite3_column_int64 (stmt, col));
              else
                append_number (num, sqlite3_column_double (stmt, col));
              g_string_append_len (ex->row, num->str, num->len);
            }
          else if (csv)
            append_csv_field (ex->row, (const char *) sqlite3_column_text (stmt, col),
                              sqlite3_column_bytes (stmt, col));
          else
            append_json_string (ex->row, (const char *) sqlite3_column_text (stmt, col),
                                sqlite3_column_bytes (stmt, col));
        }
      if (csv)
        g_string_append_c (ex->row, '\r');
      else
        g_string_append_c (ex->row, '}');
      if (!write_row (ex, target, error))
        goto fail;
      tally_system (ex, ga.system->str);
      tally_system (ex, gb.system->str);
    }
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ex->ws), "reading verdicts");
      goto fail;
    }
  sqlite3_reset (stmt);
  return TRUE;

fail:
  sqlite3_reset (stmt);
  return FALSE;
}

/* ---- trl-stepwise and token-level --------------------------------------------------------- */

/* A step label's value: its own, else the value its label name stands for (the importers'
 * correct/incorrect and good/neutral/bad). */
#define STEP_VALUE \
  "coalesce (s.value, CASE s.label WHEN 'correct' THEN 1 WHEN 'good' THEN 1" \
  " WHEN 'incorrect' THEN -1 WHEN 'bad' THEN -1 WHEN 'neutral' THEN 0 END)"

/* The steps a generation is cut into: the imported ones, else the first source by name (as
 * arb_workspace_get_steps chooses them for the step labeller). */
#define STEP_SOURCE \
  "(SELECT s2.source FROM steps s2 WHERE s2.generation_id = g.id AND (s2.import_id IS NULL" \
  " OR s2.import_id IN (SELECT id FROM imports WHERE state = 'done'))" \
  " ORDER BY s2.source <> 'imported', s2.source LIMIT 1)"

/* ?1: JSON array of the counted raters' ids; ?2: the policy. One row per step of every
 * generation with a counted step label (one row with a NULL step when it has no steps), in the
 * order in which identical rows are neighbours. Per step as for comparisons: each rater's labels
 * on it average into one value whose sign is the rater's vote; where an adjudicator labelled
 * the step only adjudicators count there; the policy decides the step (NULL: undecided). */
static const char steps_sql[] =
  "WITH rs AS (SELECT s.generation_id AS gid, s.step_index AS idx,"
  "   r.role = 'adjudicator' AS adj, avg (" STEP_VALUE ") AS v"
  "   FROM current_spans s JOIN visible_raters r ON r.id = s.rater_id"
  "   WHERE s.step_index IS NOT NULL"
  "     AND (r.role = 'adjudicator' OR s.rater_id IN (SELECT value FROM json_each (?1)))"
  "   GROUP BY s.generation_id, s.step_index, s.rater_id HAVING v IS NOT NULL),"
  " votes AS (SELECT gid, idx, adj, v, CASE WHEN v > 0 THEN 1 WHEN v < 0 THEN -1 ELSE 0 END"
  "   AS vote, max (adj) OVER (PARTITION BY gid, idx) AS has_adj FROM rs),"
  " agg AS (SELECT gid, idx, count (*) AS n, sum (vote = 1) AS np, sum (vote = -1) AS nn,"
  "   sum (vote = 0) AS nz, avg (v) AS vm, max (adj) AS adjudicated"
  "   FROM votes WHERE adj = has_adj GROUP BY gid, idx),"
  " dec AS (SELECT *, CASE"
  "   WHEN ?2 = 1 THEN (CASE WHEN vm > 1e-9 THEN 1 WHEN vm < -1e-9 THEN -1 ELSE 0 END)"
  "   WHEN ?2 = 2 THEN (CASE WHEN np = n THEN 1 WHEN nn = n THEN -1 WHEN nz = n THEN 0 END)"
  "   ELSE (CASE WHEN np > nn AND np > nz THEN 1 WHEN nn > np AND nn > nz THEN -1 ELSE 0 END)"
  "   END AS outcome FROM agg),"
  " gens AS (SELECT gid, max (adjudicated) AS adjudicated FROM dec GROUP BY gid)"
  " SELECT g.id, g.kind, p.id, p.uuid, gens.adjudicated, st.idx, st.start_byte, st.end_byte,"
  "   d.gid IS NOT NULL, d.outcome,"
  "   CAST (CASE d.outcome WHEN 1 THEN d.np WHEN -1 THEN d.nn WHEN 0 THEN d.nz END AS REAL) / d.n"
  " FROM gens JOIN visible_generations g ON g.id = gens.gid"
  " JOIN visible_prompts p ON p.id = g.prompt_id"
  " LEFT JOIN steps st ON st.generation_id = g.id AND st.source = " STEP_SOURCE
  " LEFT JOIN dec d ON d.gid = g.id AND d.idx = st.idx"
  " ORDER BY p.id, g.text_hash, g.id, st.idx";

/* ?1: JSON array of the counted raters' ids. Every current span of theirs (step labels too),
 * by generation in the order in which identical rows are neighbours, then by position. */
static const char spans_sql[] =
  "SELECT g.id, g.kind, p.id, p.uuid, s.start_byte, s.end_byte, s.label, s.value, r.name"
  " FROM current_spans s JOIN visible_raters r ON r.id = s.rater_id"
  " JOIN visible_generations g ON g.id = s.generation_id"
  " JOIN visible_prompts p ON p.id = g.prompt_id"
  " WHERE s.rater_id IN (SELECT value FROM json_each (?1))"
  " ORDER BY p.id, g.text_hash, g.id, s.start_byte, s.end_byte, s.id";

static void
append_prompt (Export  *ex,
               GString *out)
{
  if (ex->options->conversational)
    g_string_append_len (out, ex->prompt_messages->str, ex->prompt_messages->len);
  else
    append_json_string (out, ex->prompt_text->str, ex->prompt_text->len);
}

/* Rows identical to one written already: rows come in prompt order with identical texts next
 * to each other, so only the current prompt's rows are remembered. */
static gboolean
seen_row (Export     *ex,
          GHashTable *seen,
          gint64      prompt_id,
          gint64     *seen_prompt)
{
  if (*seen_prompt != prompt_id)
    {
      g_hash_table_remove_all (seen);
      *seen_prompt = prompt_id;
    }
  if (g_hash_table_contains (seen, ex->row->str))
    return TRUE;
  g_hash_table_add (seen, g_strdup (ex->row->str));
  return FALSE;
}


typedef struct
{
  gint64  start, end;   /* bytes */
  gboolean labelled;    /* a counted rater labelled it */
  gboolean decided;     /* the policy gave an outcome (and agreement is enough) */
  int     outcome;      /* +1, 0, -1 */
} Step;

/* One generation's steps, in order, to one row (or none). */
static gboolean
write_stepwise_row (Export     *ex,
                    gint64      gen_id,
                    gint64      prompt_id,
                    const char *prompt_uuid,
                    GArray     *steps,
                    Gen        *g,
                    GHashTable *seen,
                    gint64     *seen_prompt,
                    GError    **error)
{
  const ArbExportOptions *o = ex->options;
  g_autoptr(GString) completions = g_string_new ("[");
  g_autoptr(GString) labels = g_string_new ("[");
  gint64 n_true = 0, n_false = 0, n_neutral = 0;
  gint64 cut_unlabelled = 0, cut_disputed = 0, cut_neutral = 0, cut_error = 0;
  gboolean after_error = FALSE, stop = FALSE;
  guint n = 0;

  if (!fetch_generation (ex, gen_id, g, error))
    return FALSE;
  for (guint i = 0; i < steps->len; i++)
    {
      const Step *st = &g_array_index (steps, Step, i);
      gint64 left = steps->len - i;
      gboolean label;

      if (after_error)
        label = FALSE;   /* --after-error bad: every step after the first error */
      else if (!st->labelled)
        {
          cut_unlabelled = left;
          break;
        }
      else if (!st->decided)
        {
          cut_disputed = left;
          break;
        }
      else if (st->outcome > 0)
        label = TRUE;
      else if (st->outcome == 0)
        {
          n_neutral++;
          if (o->neutral == ARB_EXPORT_NEUTRAL_DROP)
            {
              cut_neutral = left;
              break;
            }
          label = o->neutral == ARB_EXPORT_NEUTRAL_GOOD;
        }
      else
        {
          label = FALSE;
          if (o->after_error == ARB_EXPORT_AFTER_ERROR_DROP)
            {
              cut_error = left - 1;
              stop = TRUE;
            }
          else
            after_error = TRUE;
        }
      if (st->start < 0 || st->end > (gint64) g->text->len || st->start > st->end)
        {
          g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                       _("generation %" G_GINT64_FORMAT ": step %u is bytes %" G_GINT64_FORMAT
                         "–%" G_GINT64_FORMAT " of a text of %" G_GSIZE_FORMAT), gen_id, i,
                       st->start, st->end, g->text->len);
          return FALSE;
        }
      if (n > 0)
        {
          g_string_append (completions, ", ");
          g_string_append (labels, ", ");
        }
      append_json_string (completions, g->text->str + st->start, st->end - st->start);
      g_string_append (labels, label ? "true" : "false");
      if (label)
        n_true++;
      else
        n_false++;
      n++;
      if (stop)
        break;
    }
  ex->result->neutral += n_neutral;
  ex->result->cut_unlabelled += cut_unlabelled;
  ex->result->cut_disputed += cut_disputed;
  ex->result->cut_neutral += cut_neutral;
  ex->result->cut_error += cut_error;
  if (n == 0)
    {
      ex->result->empty++;
      return TRUE;
    }
  g_string_append_c (completions, ']');
  g_string_append_c (labels, ']');
  if (!fetch_prompt (ex, prompt_id, error))
    return FALSE;
  g_string_truncate (ex->row, 0);
  g_string_append (ex->row, "{\"prompt\": ");
  append_prompt (ex, ex->row);
  g_string_append (ex->row, ", \"completions\": ");
  g_string_append_len (ex->row, completions->str, completions->len);
  g_string_append (ex->row, ", \"labels\": ");
  g_string_append_len (ex->row, labels->str, labels->len);
  g_string_append_c (ex->row, '}');
  if (seen_row (ex, seen, prompt_id, seen_prompt))
    {
      ex->result->duplicates++;
      return TRUE;
    }
  ex->result->labels_true += n_true;
  ex->result->labels_false += n_false;
  if (!write_row (ex, target_for (ex, prompt_uuid), error))
    return FALSE;
  tally_system (ex, g->system->str);
  return TRUE;
}

static gboolean
export_stepwise (Export  *ex,
                 GError **error)
{
  const ArbExportOptions *o = ex->options;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GArray) steps = g_array_new (FALSE, FALSE, sizeof (Step));
  g_autofree char *counted = NULL;
  g_autofree char *prompt_uuid = NULL;
  g_auto(Gen) g = GEN_INIT;
  gint64 cur = 0, cur_prompt = 0, seen_prompt = 0, n = 0;
  gboolean skip = FALSE;
  sqlite3_stmt *stmt;
  int rc;

  counted = counted_raters (ex->ws, o, names, error);
  if (counted == NULL)
    return FALSE;
  stmt = _arb_workspace_prepare (ex->ws, steps_sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, counted, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, o->policy);
  for (;;)
    {
      gint64 id;

      rc = sqlite3_step (stmt);
      id = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : -1;
      if (id != cur && cur > 0 && !skip &&
          !write_stepwise_row (ex, cur, cur_prompt, prompt_uuid, steps, &g, seen, &seen_prompt,
                               error))
        goto fail;
      if (rc != SQLITE_ROW)
        break;
      if (id != cur)
        {
          cur = id;
          cur_prompt = sqlite3_column_int64 (stmt, 2);
          g_free (prompt_uuid);
          prompt_uuid = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
          g_array_set_size (steps, 0);
          skip = FALSE;
          if (cancelled (ex, ++n, error))
            goto fail;
          report_progress (ex, n);
          ex->result->considered++;
          if (sqlite3_column_int (stmt, 4) != 0)
            ex->result->adjudicated++;
          if (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), "text") != 0)
            {
              ex->result->not_text++;
              skip = TRUE;
            }
          else if (sqlite3_column_type (stmt, 5) == SQLITE_NULL)
            {
              ex->result->no_steps++;
              skip = TRUE;
            }
        }
      if (!skip)
        {
          Step st = { 0 };
          gboolean has_outcome = sqlite3_column_type (stmt, 9) != SQLITE_NULL;

          st.start = sqlite3_column_int64 (stmt, 6);
          st.end = sqlite3_column_int64 (stmt, 7);
          st.labelled = sqlite3_column_int (stmt, 8) != 0;
          st.outcome = sqlite3_column_int (stmt, 9);
          st.decided = st.labelled && has_outcome &&
                       !(o->min_agreement > 0 &&
                         sqlite3_column_double (stmt, 10) < o->min_agreement - 1e-12);
          g_array_append_val (steps, st);
        }
    }
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ex->ws), "reading step labels");
      goto fail;
    }
  sqlite3_reset (stmt);
  return TRUE;

fail:
  sqlite3_reset (stmt);
  return FALSE;
}

typedef struct
{
  gint64  start, end;   /* bytes */
  char   *label;
  double  value;        /* NAN: none */
  char   *rater;
} Span;

static void
span_clear (gpointer data)
{
  Span *s = data;

  g_free (s->label);
  g_free (s->rater);
}

/* Whether a token of bytes [ts, te) counts as inside the span [ss, se) by the overlap rule. */
static gboolean
token_in_span (ArbExportOverlap overlap,
               gint64           ts,
               gint64           te,
               gint64           ss,
               gint64           se)
{
  gint64 inside = MIN (te, se) - MAX (ts, ss);

  if (te <= ts)
    return FALSE;   /* an empty token (a special token) is in no span */
  switch (overlap)
    {
    case ARB_EXPORT_OVERLAP_MAJORITY:
      return 2 * inside > te - ts;
    case ARB_EXPORT_OVERLAP_ALL:
      return ss <= ts && te <= se;
    case ARB_EXPORT_OVERLAP_ANY:
    default:
      /* the token cover: every token the span touches; an empty span, the token it is in */
      return inside > 0 || (ss == se && ts <= ss && ss < te);
    }
}

/* A generation's tokenization by ex->options->tokenizer: FALSE with @error when it is damaged;
 * *found FALSE when there is none. */
static gboolean
fetch_tokenization (Export        *ex,
                    gint64         gen_id,
                    gsize          text_len,
                    gboolean      *found,
                    json_object  **ids,
                    GArray        *ranges,
                    json_object  **pieces,
                    GError       **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (ex->ws,
                                               "SELECT token_ids, byte_ranges, pieces FROM"
                                               " tokenizations WHERE generation_id = ?1 AND"
                                               " tokenizer = ?2 ORDER BY in_context LIMIT 1",
                                               error);
  g_autoptr(json_object) br = NULL;
  const char *what = NULL;
  int rc;

  *found = FALSE;
  *ids = *pieces = NULL;
  g_array_set_size (ranges, 0);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, gen_id);
  sqlite3_bind_text (stmt, 2, ex->options->tokenizer, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *found = TRUE;
      *ids = json_tokener_parse ((const char *) sqlite3_column_text (stmt, 0));
      br = json_tokener_parse ((const char *) sqlite3_column_text (stmt, 1));
      if (sqlite3_column_type (stmt, 2) != SQLITE_NULL)
        *pieces = json_tokener_parse ((const char *) sqlite3_column_text (stmt, 2));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ex->ws), "reading a tokenization");
      return FALSE;
    }
  if (!*found)
    return TRUE;
  if (*ids == NULL || json_object_get_type (*ids) != json_type_array)
    what = "token_ids is not a JSON array";
  else if (br == NULL || json_object_get_type (br) != json_type_array ||
           json_object_array_length (br) != json_object_array_length (*ids))
    what = "byte_ranges is not an array of as many ranges as there are tokens";
  else if (*pieces != NULL && (json_object_get_type (*pieces) != json_type_array ||
                               json_object_array_length (*pieces) !=
                               json_object_array_length (*ids)))
    what = "pieces is not an array of as many pieces as there are tokens";
  for (size_t i = 0; what == NULL && i < json_object_array_length (br); i++)
    {
      json_object *pair = json_object_array_get_idx (br, i);
      ArbRange r;

      if (json_object_get_type (json_object_array_get_idx (*ids, i)) != json_type_int)
        {
          what = "a token id is not an integer";
          break;
        }
      if (pair == NULL || json_object_get_type (pair) != json_type_array ||
          json_object_array_length (pair) != 2)
        {
          what = "a byte range is not a [start, end] pair";
          break;
        }
      r.start = json_object_get_int64 (json_object_array_get_idx (pair, 0));
      r.end = json_object_get_int64 (json_object_array_get_idx (pair, 1));
      if (r.start < 0 || r.end < r.start || r.end > (gint64) text_len)
        {
          what = "a byte range is outside the text";
          break;
        }
      g_array_append_val (ranges, r);
    }
  if (what != NULL)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   _("the tokenization “%s” of generation %" G_GINT64_FORMAT " is damaged: %s"),
                   ex->options->tokenizer, gen_id, what);
      g_clear_pointer (ids, json_object_put);
      g_clear_pointer (pieces, json_object_put);
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_token_row (Export     *ex,
                 gint64      gen_id,
                 gint64      prompt_id,
                 const char *prompt_uuid,
                 GArray     *spans,
                 Gen        *g,
                 GHashTable *seen,
                 gint64     *seen_prompt,
                 GError    **error)
{
  const ArbExportOptions *o = ex->options;
  g_autoptr(ArbOffsetMap) map = NULL;
  g_autoptr(json_object) ids = NULL, pieces = NULL;
  g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (ArbRange));
  g_autofree double *weight = NULL;
  g_autofree const char **tag = NULL;
  gboolean found = FALSE;
  gint64 in_span = 0;
  guint n_tokens = 0;

  if (!fetch_generation (ex, gen_id, g, error))
    return FALSE;
  if (o->tokenizer != NULL &&
      !fetch_tokenization (ex, gen_id, g->text->len, &found, &ids, ranges, &pieces, error))
    return FALSE;
  map = arb_offset_map_new (g->text->str, g->text->len);
  if (!fetch_prompt (ex, prompt_id, error))
    return FALSE;

  g_string_truncate (ex->row, 0);
  g_string_append (ex->row, "{\"prompt\": ");
  append_prompt (ex, ex->row);
  g_string_append (ex->row, ", \"response\": ");
  append_json_string (ex->row, g->text->str, g->text->len);
  g_string_append (ex->row, ", \"spans\": [");
  for (guint i = 0; i < spans->len; i++)
    {
      const Span *s = &g_array_index (spans, Span, i);
      gint64 start = arb_offset_map_byte_to_cp (map, s->start);
      gint64 end = arb_offset_map_byte_to_cp (map, s->end);

      if (start < 0 || end < 0)
        {
          g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                       _("generation %" G_GINT64_FORMAT ": the span %s of %s at bytes %"
                         G_GINT64_FORMAT "–%" G_GINT64_FORMAT " is not on character "
                         "boundaries of its text"), gen_id, s->label, s->rater, s->start,
                       s->end);
          return FALSE;
        }
      g_string_append_printf (ex->row, "%s{\"start\": %" G_GINT64_FORMAT ", \"end\": %"
                              G_GINT64_FORMAT ", \"label\": ", i > 0 ? ", " : "", start, end);
      append_json_string (ex->row, s->label, -1);
      g_string_append (ex->row, ", \"value\": ");
      append_number (ex->row, s->value);   /* NAN: null */
      g_string_append (ex->row, ", \"rater\": ");
      append_json_string (ex->row, s->rater, -1);
      g_string_append_c (ex->row, '}');
    }
  g_string_append_c (ex->row, ']');

  if (found)
    {
      const ArbRange *r = (const ArbRange *) (gpointer) ranges->data;

      n_tokens = ranges->len;
      weight = g_new0 (double, MAX (n_tokens, 1));
      tag = g_new0 (const char *, MAX (n_tokens, 1));
      for (guint t = 0; t < n_tokens; t++)
        weight[t] = NAN;
      /* Each span's tokens: its token cover, then the overlap rule per token. Spans come by
       * start, so a token's tag is the first span (by position) that holds it; its weight is
       * the least value among the spans with a value that hold it (an error inside a good step
       * makes its tokens bad). */
      for (guint i = 0; i < spans->len; i++)
        {
          const Span *s = &g_array_index (spans, Span, i);
          guint first, last;

          if (!arb_units_cover (r, n_tokens, s->start, s->end, &first, &last, NULL))
            continue;
          for (guint t = first; t < last; t++)
            {
              if (!token_in_span (o->overlap, r[t].start, r[t].end, s->start, s->end))
                continue;
              if (tag[t] == NULL)
                tag[t] = s->label;
              if (!isnan (s->value) && (isnan (weight[t]) || s->value < weight[t]))
                weight[t] = s->value;
            }
        }
      g_string_append (ex->row, ", \"tokens\": [");
      for (guint t = 0; t < n_tokens; t++)
        g_string_append_printf (ex->row, "%s%" G_GINT64_FORMAT, t > 0 ? ", " : "",
                                (gint64) json_object_get_int64 (json_object_array_get_idx (ids,
                                                                                           t)));
      g_string_append_c (ex->row, ']');
      if (pieces != NULL)
        {
          g_string_append (ex->row, ", \"pieces\": [");
          for (guint t = 0; t < n_tokens; t++)
            {
              json_object *piece = json_object_array_get_idx (pieces, t);

              if (t > 0)
                g_string_append (ex->row, ", ");
              if (piece != NULL && json_object_get_type (piece) == json_type_string)
                append_json_string (ex->row, json_object_get_string (piece),
                                    json_object_get_string_len (piece));
              else
                g_string_append (ex->row, "null");
            }
          g_string_append_c (ex->row, ']');
        }
      g_string_append (ex->row, ", \"token_labels\": [");
      for (guint t = 0; t < n_tokens; t++)
        {
          if (t > 0)
            g_string_append (ex->row, ", ");
          /* outside every span, or inside spans without a value: 0 */
          append_number (ex->row, isnan (weight[t]) ? 0 : weight[t]);
        }
      g_string_append (ex->row, "], \"token_tags\": [");
      for (guint t = 0; t < n_tokens; t++)
        {
          if (t > 0)
            g_string_append (ex->row, ", ");
          append_json_string (ex->row, tag[t], -1);   /* NULL: null */
          in_span += tag[t] != NULL;
        }
      g_string_append_c (ex->row, ']');
    }
  g_string_append_c (ex->row, '}');
  if (seen_row (ex, seen, prompt_id, seen_prompt))
    {
      ex->result->duplicates++;
      return TRUE;
    }
  ex->result->spans += spans->len;
  if (o->tokenizer != NULL)
    {
      if (found)
        {
          ex->result->tokenized++;
          ex->result->tokens += n_tokens;
          ex->result->tokens_in_span += in_span;
        }
      else
        ex->result->untokenized++;
    }
  if (!write_row (ex, target_for (ex, prompt_uuid), error))
    return FALSE;
  tally_system (ex, g->system->str);
  return TRUE;
}

static gboolean
export_token_level (Export  *ex,
                    GError **error)
{
  const ArbExportOptions *o = ex->options;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GArray) spans = g_array_new (FALSE, FALSE, sizeof (Span));
  g_autofree char *counted = NULL;
  g_autofree char *prompt_uuid = NULL;
  g_auto(Gen) g = GEN_INIT;
  gint64 cur = 0, cur_prompt = 0, seen_prompt = 0, n = 0;
  gboolean skip = FALSE;
  sqlite3_stmt *stmt;
  int rc;

  g_array_set_clear_func (spans, span_clear);
  counted = counted_raters (ex->ws, o, names, error);
  if (counted == NULL)
    return FALSE;
  if (o->tokenizer != NULL)
    {
      stmt = _arb_workspace_prepare (ex->ws, "SELECT 1 FROM tokenizations WHERE tokenizer = ?"
                                             " LIMIT 1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, o->tokenizer, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW)
        {
          if (rc == SQLITE_DONE)
            g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND,
                         _("%s: no tokenization by the tokenizer “%s” (arbiter-cli tokenize "
                           "makes them)"), arb_workspace_get_path (ex->ws), o->tokenizer);
          else
            _arb_set_sqlite_error (error, _arb_workspace_get_db (ex->ws),
                                   "reading tokenizations");
          return FALSE;
        }
    }
  stmt = _arb_workspace_prepare (ex->ws, spans_sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, counted, -1, SQLITE_TRANSIENT);
  for (;;)
    {
      gint64 id;

      rc = sqlite3_step (stmt);
      id = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : -1;
      if (id != cur && cur > 0 && !skip &&
          !write_token_row (ex, cur, cur_prompt, prompt_uuid, spans, &g, seen, &seen_prompt,
                            error))
        goto fail;
      if (rc != SQLITE_ROW)
        break;
      if (id != cur)
        {
          cur = id;
          cur_prompt = sqlite3_column_int64 (stmt, 2);
          g_free (prompt_uuid);
          prompt_uuid = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
          g_array_set_size (spans, 0);
          if (cancelled (ex, ++n, error))
            goto fail;
          report_progress (ex, n);
          ex->result->considered++;
          skip = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), "text") != 0;
          if (skip)
            ex->result->not_text++;
        }
      if (!skip)
        {
          Span s;

          s.start = sqlite3_column_int64 (stmt, 4);
          s.end = sqlite3_column_int64 (stmt, 5);
          s.label = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
          s.value = sqlite3_column_type (stmt, 7) == SQLITE_NULL
                    ? NAN : sqlite3_column_double (stmt, 7);
          s.rater = g_strdup ((const char *) sqlite3_column_text (stmt, 8));
          g_array_append_val (spans, s);
        }
    }
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ex->ws), "reading spans");
      goto fail;
    }
  sqlite3_reset (stmt);
  return TRUE;

fail:
  sqlite3_reset (stmt);
  return FALSE;
}

/* ---- the dataset card -------------------------------------------------------------------- */

static void
card_row (GString    *card,
          const char *what,
          gint64      n)
{
  g_string_append_printf (card, "| %s | %" G_GINT64_FORMAT " |\n", what, n);
}

static const char *
policy_text (ArbExportPolicy policy)
{
  switch (policy)
    {
    case ARB_EXPORT_POLICY_MEAN:
      return "mean: the side of the mean of the counted raters' preferences (exactly 0.5 is a tie)";
    case ARB_EXPORT_POLICY_UNANIMOUS:
      return "unanimous: only comparisons on which every counted rater gave the same outcome";
    case ARB_EXPORT_POLICY_SINGLE:
      return "single: the one counted rater's verdict";
    case ARB_EXPORT_POLICY_MAJORITY:
    default:
      return "majority: the outcome (A better, B better, tie) with strictly the most votes; "
             "a draw between outcomes is a tie";
    }
}

static const char *
step_policy_text (ArbExportPolicy policy)
{
  switch (policy)
    {
    case ARB_EXPORT_POLICY_MEAN:
      return "mean: the sign of the mean of the counted raters' values (0 is neutral)";
    case ARB_EXPORT_POLICY_UNANIMOUS:
      return "unanimous: every counted rater gave the step the same sign, else it is undecided";
    case ARB_EXPORT_POLICY_SINGLE:
      return "single: the one counted rater's label";
    case ARB_EXPORT_POLICY_MAJORITY:
    default:
      return "majority: the sign (good, neutral, bad) with strictly the most votes; a draw is "
             "neutral";
    }
}

static char *
card_text (Export     *ex,
           const char *path,
           const char *main_path,
           const char *split_path,
           GError    **error)
{
  const ArbExportOptions *o = ex->options;
  const ArbExportResult *r = ex->result;
  g_autoptr(GString) card = g_string_new ("---\n");
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = g_date_time_format_iso8601 (now);
  g_autofree char *title = g_path_get_basename (path);
  g_autofree char *main_base = g_path_get_basename (main_path);
  g_autofree char *split_base = split_path != NULL ? g_path_get_basename (split_path) : NULL;
  g_autofree char *counted = NULL;
  g_autoptr(GList) systems = NULL;
  sqlite3_stmt *stmt;
  int rc;

  counted = counted_raters (ex->ws, o, names, error);
  if (counted == NULL)
    return NULL;

  /* Front matter that the Hugging Face datasets library reads to find the splits. */
  g_string_append (card, "configs:\n- config_name: default\n  data_files:\n");
  g_string_append_printf (card, "  - split: %s\n    path: \"%s\"\n",
                          "train", main_base);
  if (split_path != NULL)
    g_string_append_printf (card, "  - split: %s\n    path: \"%s\"\n", o->split_name, split_base);
  g_string_append_printf (card, "tags:\n- arbiter\n- %s\n---\n" CARD_MARKER "\n\n",
                          o->format == ARB_EXPORT_TRL_STEPWISE ? "stepwise-supervision"
                          : o->format == ARB_EXPORT_TOKEN_LEVEL ? "token-classification"
                          : "preference");

  g_string_append_printf (card, "# %s\n\n", title);
  g_string_append_printf (card, "Exported from the Arbiter workspace `%s` (%s) on %s, format "
                                "`%s`%s.\n\n",
                          arb_workspace_get_path (ex->ws), arb_workspace_get_uuid (ex->ws), date,
                          arb_export_format_to_string (o->format),
                          o->conversational ? ", conversational (message lists)" : "");
  g_string_append (card, "The command that reproduces it:\n\n```\n");
  g_string_append (card, o->command != NULL ? o->command : "(not given)");
  g_string_append (card, "\n```\n\n");

  g_string_append (card, "## Records\n\n| rule | count |\n|---|---|\n");
  if (is_span_format (o->format))
    {
      card_row (card, o->format == ARB_EXPORT_TRL_STEPWISE
                      ? "generations with a counted step label"
                      : "generations with a counted span", r->considered);
      if (o->format == ARB_EXPORT_TRL_STEPWISE)
        card_row (card, "of which a step decided by an adjudicator", r->adjudicated);
      card_row (card, "dropped: not text (image or missing)", r->not_text);
    }
  else
    {
      card_row (card, is_pairwise (o->format) ? "comparisons with a counted verdict"
                                              : "verdicts of the counted raters", r->considered);
      if (is_pairwise (o->format))
        card_row (card, "of which decided by an adjudicator", r->adjudicated);
      card_row (card, "dropped: flagged", r->flagged);
    }
  if (is_pairwise (o->format))
    {
      card_row (card, "dropped: a side is not text (image or missing)", r->not_text);
      card_row (card, "dropped: multi-turn response in string form", r->multi_turn);
      card_row (card, "dropped: raters disagree (unanimous policy)", r->disagreement);
      card_row (card, "dropped: agreement below the minimum", r->low_agreement);
      card_row (card, o->keep_ties && o->format != ARB_EXPORT_TRL_KTO
                      ? "ties kept (rows marked tie)" : "dropped: tie", r->ties);
      card_row (card, "dropped: chosen text equals rejected text", r->same_text);
    }
  if (o->format == ARB_EXPORT_TRL_STEPWISE)
    {
      card_row (card, "dropped: step labels but no steps", r->no_steps);
      card_row (card, "dropped: no step to write (the first step ends the row)", r->empty);
      card_row (card, "neutral steps met", r->neutral);
      card_row (card, "steps left out: from an unlabelled step on", r->cut_unlabelled);
      card_row (card, "steps left out: from a step the raters did not decide", r->cut_disputed);
      card_row (card, "steps left out: from a neutral step on (--neutral drop)", r->cut_neutral);
      card_row (card, "steps left out: after the first error", r->cut_error);
      card_row (card, "step labels written true", r->labels_true);
      card_row (card, "step labels written false", r->labels_false);
    }
  if (o->format == ARB_EXPORT_TOKEN_LEVEL)
    {
      card_row (card, "spans written", r->spans);
      if (o->tokenizer != NULL)
        {
          card_row (card, "rows with tokens", r->tokenized);
          card_row (card, "rows without a tokenization by this tokenizer", r->untokenized);
          card_row (card, "tokens written", r->tokens);
          card_row (card, "of which inside a span", r->tokens_in_span);
        }
    }
  if (o->format != ARB_EXPORT_VERDICTS_JSONL && o->format != ARB_EXPORT_VERDICTS_CSV)
    card_row (card, "rows not written: identical to a written row", r->duplicates);
  card_row (card, "rows written", r->rows);
  if (split_path != NULL)
    {
      g_autofree char *what = g_strdup_printf ("rows in %s", main_base);
      g_autofree char *what2 = g_strdup_printf ("rows in %s", split_base);

      card_row (card, what, r->rows - r->rows_split);
      card_row (card, what2, r->rows_split);
    }

  g_string_append (card, "\n## Policies\n\n");
  if (o->raters != NULL && o->raters[0] != NULL)
    g_string_append (card, "- Raters: the named ones (below).\n");
  else if (o->all_raters)
    g_string_append (card, "- Raters: every rater of the workspace.\n");
  else
    g_string_append (card, "- Raters: every human rater of role annotator.\n");
  if (o->format == ARB_EXPORT_TRL_STEPWISE)
    {
      g_string_append (card, "- Step labels: current ones (spans with a step index); a rater's "
                             "value on a step (+1 good, 0 neutral, -1 bad; several labels "
                             "average) votes by its sign. Where an adjudicator labelled a step, "
                             "only adjudicators count on it.\n");
      g_string_append_printf (card, "- Policy per step: %s.\n", step_policy_text (o->policy));
      if (o->min_agreement > 0)
        g_string_append_printf (card, "- Minimum agreement per step: %g; a step below it ends "
                                      "the row like an undecided one.\n", o->min_agreement);
      g_string_append (card, "- Steps: the imported segmentation, else the first by source "
                             "name; each completion is a step's text (its byte range); rows "
                             "follow the steps in order and end at the first step that is not "
                             "labelled or not decided.\n");
      g_string_append_printf (card, "- Neutral steps (0): %s.\n",
                              o->neutral == ARB_EXPORT_NEUTRAL_GOOD
                              ? "written as good (true): PRM800K's reading of 0 as an acceptable "
                                "step that is not wrong"
                              : o->neutral == ARB_EXPORT_NEUTRAL_BAD
                              ? "written as bad (false)"
                              : "the row ends before the first neutral step");
      g_string_append_printf (card, "- After the first bad step (-1): %s.\n",
                              o->after_error == ARB_EXPORT_AFTER_ERROR_DROP
                              ? "the row ends with it (as in TRL's stepwise examples and "
                                "Math-Shepherd)"
                              : "every later step is written, labelled false, whatever its "
                                "label");
      g_string_append (card, "- Identical rows are written once.\n");
    }
  else if (o->format == ARB_EXPORT_TOKEN_LEVEL)
    {
      g_string_append (card, "- Spans: every current span of the counted raters (step labels "
                             "too), offsets in Unicode code points, end-exclusive; no "
                             "aggregation: each rater's spans are listed with their name.\n");
      if (o->tokenizer != NULL)
        g_string_append_printf (card, "- Tokens: the tokenization by `%s` of the response alone "
                                      "(else in its chat context). A token is inside a span "
                                      "when %s. token_labels: the least value among the spans "
                                      "with a value that hold the token, else 0 (outside every "
                                      "span, or only in spans without a value); token_tags: "
                                      "the label of the first span that holds it, else "
                                      "null.\n", o->tokenizer,
                                o->overlap == ARB_EXPORT_OVERLAP_ALL
                                ? "all of its bytes are in the span"
                                : o->overlap == ARB_EXPORT_OVERLAP_MAJORITY
                                ? "more than half of its bytes are in the span"
                                : "any of its bytes is in the span (the span's token cover)");
      else
        g_string_append (card, "- Tokens: none (no tokenizer named).\n");
      g_string_append (card, "- Identical rows are written once.\n");
    }
  else
    {
      g_string_append (card, "- Verdicts: current ones of status ok; a rater's several verdicts "
                             "on a comparison (orders, samples) average into one preference.\n");
      g_string_append (card, "- Flagged comparisons (a live flag of any rater) are left out.\n");
    }
  if (is_pairwise (o->format))
    {
      g_string_append (card, "- An adjudicator's verdict wins: where raters of role adjudicator "
                             "gave one, only theirs count on that comparison.\n");
      g_string_append_printf (card, "- Policy: %s.\n", policy_text (o->policy));
      if (o->min_agreement > 0)
        g_string_append_printf (card, "- Minimum agreement: %g (votes for the outcome / counted "
                                      "votes).\n", o->min_agreement);
      else
        g_string_append (card, "- Minimum agreement: none.\n");
      if (o->format == ARB_EXPORT_TRL_KTO)
        g_string_append (card, "- Ties: dropped (KTO has no tie); each decided comparison gives "
                               "its chosen side label true and its rejected side label false.\n");
      else
        g_string_append (card, o->keep_ties ? "- Ties: kept, as rows with \"tie\": true (chosen "
                                              "and rejected then in stored order).\n"
                                            : "- Ties: dropped.\n");
      if (o->margin == ARB_EXPORT_MARGIN_STRENGTH)
        g_string_append (card, "- Margin: mean signed strength toward chosen (much better 2, "
                               "better 1, tie 0; continuous verdicts count 1), in [-2, 2].\n");
      else if (o->margin == ARB_EXPORT_MARGIN_PREFERENCE)
        g_string_append (card, "- Margin: 2 P(chosen better) - 1 from the mean preference, in "
                               "[-1, 1].\n");
      g_string_append (card, "- A row whose chosen text equals its rejected text is never "
                             "written; identical rows are written once.\n");
    }
  if (split_path != NULL)
    g_string_append_printf (card, "- Split: by prompt, each prompt in `%s` with probability %g "
                                  "(seed %" G_GUINT64_FORMAT "); no prompt is in both files.\n",
                            o->split_name, o->split_fraction, o->seed);

  g_string_append_printf (card, "\n## Raters\n\n| rater | kind | role | origin | current %s |\n"
                                "|---|---|---|---|---|\n",
                          is_span_format (o->format) ? "spans" : "verdicts");
  stmt = _arb_workspace_prepare (ex->ws, is_span_format (o->format) ?
                                 "SELECT r.name, r.kind, r.role, r.origin,"
                                 " (SELECT count (*) FROM current_spans v WHERE v.rater_id = r.id)"
                                 " FROM visible_raters r WHERE r.id IN (SELECT value FROM json_each (?1))"
                                 " OR (?2 AND r.role = 'adjudicator') ORDER BY r.name" :
                                 "SELECT r.name, r.kind, r.role, r.origin,"
                                 " (SELECT count (*) FROM current_verdicts v WHERE v.rater_id = r.id)"
                                 " FROM visible_raters r WHERE r.id IN (SELECT value FROM json_each (?1))"
                                 " OR (?2 AND r.role = 'adjudicator') ORDER BY r.name", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, counted, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, aggregates (o->format));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_string_append_printf (card, "| %s | %s | %s | %s | %" G_GINT64_FORMAT " |\n",
                            sqlite3_column_text (stmt, 0), sqlite3_column_text (stmt, 1),
                            sqlite3_column_text (stmt, 2), sqlite3_column_text (stmt, 3),
                            (gint64) sqlite3_column_int64 (stmt, 4));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ex->ws), "reading raters");
      return NULL;
    }

  g_string_append (card, "\n## Systems\n\n| system | rows |\n|---|---|\n");
  systems = g_list_sort (g_hash_table_get_keys (ex->systems), (GCompareFunc) g_strcmp0);
  for (GList *l = systems; l != NULL; l = l->next)
    card_row (card, l->data, *(gint64 *) g_hash_table_lookup (ex->systems, l->data));

  g_string_append (card, "\n## Sources\n\n| import | format | SHA-256 | records |\n"
                         "|---|---|---|---|\n");
  stmt = _arb_workspace_prepare (ex->ws, "SELECT name, format, sha256, n_records FROM imports"
                                         " WHERE state = 'done' ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_string_append_printf (card, "| %s | %s | %s | %" G_GINT64_FORMAT " |\n",
                            sqlite3_column_text (stmt, 0), sqlite3_column_text (stmt, 1),
                            sqlite3_column_type (stmt, 2) == SQLITE_NULL
                            ? "" : (const char *) sqlite3_column_text (stmt, 2),
                            (gint64) sqlite3_column_int64 (stmt, 3));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ex->ws), "reading imports");
      return NULL;
    }
  g_string_append (card, "\nDecisions made in Arbiter itself (live raters) have no import.\n");
  return g_string_free (g_steal_pointer (&card), FALSE);
}

/* A README.md that an export did not write is the user's: never overwrite it. */
static gboolean
card_may_overwrite (const char *path,
                    GError    **error)
{
  g_autofree char *contents = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, CARD_MARKER) != NULL)
    return TRUE;
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
               _("%s exists and was not written by an export; export into another folder or "
                 "leave the card out (--no-card)"), path);
  return FALSE;
}

static gboolean
check_options (const ArbExportOptions *o,
               GError                **error)
{
  const char *keys[3] = { o->prompt_key, o->chosen_key, o->rejected_key };

  if (!is_pairwise (o->format) &&
      (o->keep_ties || o->margin != ARB_EXPORT_MARGIN_NONE ||
       (o->format != ARB_EXPORT_TRL_STEPWISE &&
        (o->policy != ARB_EXPORT_POLICY_MAJORITY || o->min_agreement > 0))))
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   _("%s takes no tie rule or margin%s"), arb_export_format_to_string (o->format),
                   o->format == ARB_EXPORT_TRL_STEPWISE ? "" : ", policy or minimum agreement");
      return FALSE;
    }
  if (o->implicit_prompt && o->format != ARB_EXPORT_TRL_PREFERENCE)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   _("the implicit prompt is a form of trl-preference only"));
      return FALSE;
    }
  if (o->tokenizer != NULL && o->format != ARB_EXPORT_TOKEN_LEVEL)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   _("tokens are written by token-level only"));
      return FALSE;
    }
  if (o->format == ARB_EXPORT_TRL_KTO && o->keep_ties)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   _("trl-kto has no place for a tie: ties are always dropped there"));
      return FALSE;
    }
  if (o->split_name != NULL &&
      (!(o->split_fraction > 0 && o->split_fraction < 1) || o->split_name[0] == '\0' ||
       g_str_equal (o->split_name, "train") ||
       strspn (o->split_name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen (o->split_name)))
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   _("a split is NAME=FRACTION with a lower-case name other than train and a "
                     "fraction between 0 and 1, e.g. test=0.1"));
      return FALSE;
    }
  if (o->min_agreement < 0 || o->min_agreement > 1)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   _("the minimum agreement is a share between 0 and 1"));
      return FALSE;
    }
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++)
      {
        const char *a = keys[i] != NULL ? keys[i] : (const char *[]) { "prompt", "chosen",
                                                                       "rejected" }[i];
        const char *b = keys[k] != NULL ? keys[k] : (const char *[]) { "prompt", "chosen",
                                                                       "rejected" }[k];

        if (a[0] == '\0' || !g_utf8_validate (a, -1, NULL) || (i != k && g_str_equal (a, b)))
          {
            g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                         _("the prompt, chosen and rejected keys must be three different "
                           "non-empty names"));
            return FALSE;
          }
      }
  return TRUE;
}

/* An upper bound of the items an export reads, for its progress: quick counts (SQLite counts a
 * table's rows from its smallest index). */
static gint64
count_items (ArbWorkspace   *ws,
             ArbExportFormat format)
{
  const char *sql = is_pairwise (format) ? "SELECT count (*) FROM comparisons"
                    : is_span_format (format) ? "SELECT count (DISTINCT generation_id) FROM spans"
                    : "SELECT count (*) FROM verdicts";
  sqlite3_stmt *stmt = _arb_workspace_prepare (ws, sql, NULL);
  gint64 n = 0;

  if (stmt == NULL)
    return 0;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

/* SQLite's progress handler while an export runs: a cancelled export stops inside a long
 * statement too (the step-wise query sorts and groups before its first row), not only between
 * rows. */
static int
interrupt_if_cancelled (void *data)
{
  return g_cancellable_is_cancelled (data);
}

/* A preview: the same rules and counts as the export, in memory; nothing is written. */
static ArbExportResult *
export_preview (Export  *ex,
                GError **error)
{
  gboolean ok;

  ex->preview = TRUE;
  ex->main = out_new_memory ();
  if (ex->options->split_name != NULL)
    ex->split = out_new_memory ();
  /* As the export: sorts spill to files, one read transaction. */
  if (!_arb_workspace_exec (ex->ws, "PRAGMA temp_store = FILE", error) ||
      !_arb_workspace_exec (ex->ws, "BEGIN", error))
    {
      _arb_workspace_exec (ex->ws, "PRAGMA temp_store = MEMORY", NULL);
      g_clear_pointer (&ex->main, out_free);
      g_clear_pointer (&ex->split, out_free);
      return NULL;
    }
  if (ex->options->progress != NULL)
    ex->total = count_items (ex->ws, ex->options->format);
  if (is_pairwise (ex->options->format))
    ok = export_pairwise (ex, error);
  else if (ex->options->format == ARB_EXPORT_TRL_STEPWISE)
    ok = export_stepwise (ex, error);
  else if (ex->options->format == ARB_EXPORT_TOKEN_LEVEL)
    ok = export_token_level (ex, error);
  else
    ok = export_verdicts (ex, error);
  /* cancelled after the last check: still cancelled, never a result */
  if (ok && g_cancellable_set_error_if_cancelled (ex->cancellable, error))
    ok = FALSE;
  _arb_workspace_exec (ex->ws, "COMMIT", NULL);
  _arb_workspace_exec (ex->ws, "PRAGMA temp_store = MEMORY", NULL);
  if (ok && ex->options->progress != NULL)
    ex->options->progress (ex->total, ex->total, ex->result->rows, ex->options->progress_data);
  if (ok)
    {
      ex->result->preview_rows = ex->main->rows;
      ex->result->preview = g_string_free (g_steal_pointer (&ex->main->buf), FALSE);
      ex->main->buf = g_string_new (NULL);
    }
  g_clear_pointer (&ex->main, out_free);
  g_clear_pointer (&ex->split, out_free);
  return ok ? ex->result : NULL;
}

/**
 * arb_workspace_export:
 * @path: (nullable): the data file; with a split, the files are named by
 *   arb_export_split_path() from it (`NAME.train.jsonl`, `NAME.test.jsonl`); a name ending in
 *   `.gz` is gzip-compressed. The dataset card is `README.md` in the same folder. Not used by a
 *   preview, where it may be NULL.
 * @cancellable: (nullable): stops the export within a few thousand rows (or inside a long SQL
 *   statement) with %G_IO_ERROR_CANCELLED; nothing is left behind.
 *
 * Writes the export (see the top of this file for the rules) and its dataset card. Every file
 * appears whole or not at all.
 *
 * With @options->preview_records N > 0 it writes nothing: it makes the same decisions and
 * counts every rule's kept and dropped items as the export would (the result's counts equal
 * the export's), and keeps in memory only the first N rows of the data file, in
 * #ArbExportResult.preview; the other rows are counted without being made (the pairwise and
 * verdict formats; step-wise and token-level rows are made, as their identical rows are found
 * by their text). No card, no gzip, no files.
 *
 * Returns: (transfer full) (nullable): what each rule kept and dropped, and the files written
 */
ArbExportResult *
arb_workspace_export (ArbWorkspace            *self,
                      const char              *path,
                      const ArbExportOptions  *options,
                      GCancellable            *cancellable,
                      GError                 **error)
{
  g_autoptr(ArbExportResult) result = g_new0 (ArbExportResult, 1);
  g_autoptr(GHashTable) systems = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GString) row = g_string_new (NULL);
  g_autoptr(GString) prompt_messages = g_string_new (NULL);
  g_autoptr(GString) prompt_text = g_string_new (NULL);
  g_autoptr(GString) scratch = g_string_new (NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *main_path = NULL, *split_path = NULL, *card_path = NULL, *dir = NULL;
  g_autofree char *card = NULL;
  g_autofree char *counted = NULL;
  Out *card_out = NULL;
  Export ex = { 0 };
  gboolean ok = FALSE;

  g_return_val_if_fail (ARB_IS_WORKSPACE (self), NULL);
  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (path != NULL || options->preview_records > 0, NULL);

  if (!check_options (options, error))
    return NULL;
  counted = counted_raters (self, options, names, error);
  if (counted == NULL)
    return NULL;
  if (names->len == 0)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND,
                   _("%s: no rater to count: there are no human annotators (name raters with "
                     "--rater, or count all with --all-raters)"), arb_workspace_get_path (self));
      return NULL;
    }
  if (options->policy == ARB_EXPORT_POLICY_SINGLE && names->len != 1)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   _("the single policy takes exactly one rater, and %u are counted; name one "
                     "with --rater"), names->len);
      return NULL;
    }

  result->files = g_ptr_array_new_with_free_func (g_free);
  ex.ws = self;
  ex.options = options;
  ex.result = result;
  ex.systems = systems;
  ex.row = row;
  ex.cancellable = cancellable;
  ex.prompt_messages = prompt_messages;
  ex.prompt_text = prompt_text;
  ex.scratch = scratch;
  if (options->preview_records > 0)
    {
      if (cancellable != NULL)
        sqlite3_progress_handler (_arb_workspace_get_db (self), 4096, interrupt_if_cancelled,
                                  cancellable);
      ok = export_preview (&ex, error) != NULL;
      goto out;
    }

  dir = g_path_get_dirname (path);
  card_path = g_build_filename (dir, "README.md", NULL);
  if (!options->no_card && !card_may_overwrite (card_path, error))
    return NULL;
  if (options->split_name != NULL)
    {
      main_path = arb_export_split_path (path, "train");
      split_path = arb_export_split_path (path, options->split_name);
    }
  else
    main_path = g_strdup (path);
  if (!options->no_card && (g_str_equal (main_path, card_path) ||
                            g_strcmp0 (split_path, card_path) == 0))
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   _("%s: the dataset card has this name; give the data another name"), path);
      return NULL;
    }

  if (cancellable != NULL)
    sqlite3_progress_handler (_arb_workspace_get_db (self), 4096, interrupt_if_cancelled,
                              cancellable);
  if ((ex.main = out_open (main_path, error)) == NULL ||
      (split_path != NULL && (ex.split = out_open (split_path, error)) == NULL))
    goto out;

  /* The sorts spill to temporary files rather than memory (the workspace keeps its temporary
   * tables in memory for speed), so memory stays flat whatever the size. One read transaction:
   * the rows and the card's counts see the same workspace. */
  if (!_arb_workspace_exec (self, "PRAGMA temp_store = FILE", error))
    goto out;
  if (!_arb_workspace_exec (self, "BEGIN", error))
    {
      _arb_workspace_exec (self, "PRAGMA temp_store = MEMORY", NULL);
      goto out;
    }
  if (options->progress != NULL)
    ex.total = count_items (self, options->format);
  if (is_pairwise (options->format))
    ok = export_pairwise (&ex, error);
  else if (options->format == ARB_EXPORT_TRL_STEPWISE)
    ok = export_stepwise (&ex, error);
  else if (options->format == ARB_EXPORT_TOKEN_LEVEL)
    ok = export_token_level (&ex, error);
  else
    ok = export_verdicts (&ex, error);
  /* cancelled after the last check: still cancelled, and no file appears */
  if (ok && g_cancellable_set_error_if_cancelled (cancellable, error))
    ok = FALSE;
  if (ok && options->progress != NULL)
    options->progress (ex.total, ex.total, result->rows, options->progress_data);
  if (ok && !options->no_card)
    ok = (card = card_text (&ex, path, main_path, split_path, error)) != NULL;
  _arb_workspace_exec (self, "COMMIT", NULL);
  _arb_workspace_exec (self, "PRAGMA temp_store = MEMORY", NULL);
  if (!ok)
    goto out;
  ok = FALSE;

  if (card != NULL)
    {
      g_autoptr(GString) s = g_string_new (card);

      if ((card_out = out_open (card_path, error)) == NULL ||
          !out_append (card_out, s, error) || !out_finish (card_out, error))
        goto out;
    }
  if (!out_finish (ex.main, error) || (ex.split != NULL && !out_finish (ex.split, error)))
    goto out;
  /* Everything is complete on disk; only now do the names appear. */
  if (!out_commit (ex.main, error) || (ex.split != NULL && !out_commit (ex.split, error)) ||
      (card_out != NULL && !out_commit (card_out, error)))
    goto out;
  g_ptr_array_add (result->files, g_strdup (main_path));
  if (split_path != NULL)
    g_ptr_array_add (result->files, g_strdup (split_path));
  if (card_out != NULL)
    g_ptr_array_add (result->files, g_strdup (card_path));
  ok = TRUE;

out:
  if (cancellable != NULL)
    sqlite3_progress_handler (_arb_workspace_get_db (self), 0, NULL, NULL);
  if (!ok && g_cancellable_is_cancelled (cancellable) &&
      (error == NULL || *error == NULL ||
       !g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
    {
      /* SQLite's "interrupted" and the like: say what happened */
      g_clear_error (error);
      g_cancellable_set_error_if_cancelled (cancellable, error);
    }
  g_clear_pointer (&ex.main, out_free);
  g_clear_pointer (&ex.split, out_free);
  g_clear_pointer (&card_out, out_free);
  return ok ? g_steal_pointer (&result) : NULL;
}
