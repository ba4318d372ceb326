/* arb-cli-spans.c: `arbiter-cli spans`, every current span label as one JSON object per line
 *
 * Offsets are given both ways: `start`/`end` in Unicode code points (end-exclusive, as
 * FineGrainedRLHF and most annotation tools count) and `byte_start`/`byte_end` in UTF-8 bytes
 * (as the workspace stores them and tokenizers count).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <json.h>

#include "arb-cli.h"
#include "arb-json-reader.h"
#include "arb-workspace-private.h"

static void
add_text (json_object *o,
          const char  *key,
          const char  *value)
{
  json_object_object_add (o, key, value ? json_object_new_string (value) : NULL);
}

/* Code points before @bytes, with @bytes clamped to the text and moved back to a character
 * boundary, so a damaged offset still prints. */
static gint64
clamp_to_char (const char *text,
               gint64      len,
               gint64     *bytes)
{
  if (*bytes < 0)
    *bytes = 0;
  if (*bytes > len)
    *bytes = len;
  while (*bytes > 0 && *bytes < len && (text[*bytes] & 0xC0) == 0x80)
    (*bytes)--;
  return g_utf8_strlen (text, *bytes);
}

int
arb_cli_spans (int    argc,
               char **argv)
{
  g_auto(GStrv) raters = NULL;
  GOptionEntry entries[] = {
    { "rater", 0, 0, G_OPTION_ARG_STRING_ARRAY, &raters,
      N_("Only this rater's spans (repeat for several; default: every rater)"), "NAME" },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("WS — the span and step labels, one JSON object per line"));
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) wanted = NULL;
  sqlite3_stmt *stmt;
  int status, rc;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = arb_cli_parse_options (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return arb_cli_usage_error (context, _("spans takes one workspace"));
  if (raters != NULL)
    {
      wanted = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; raters[i] != NULL; i++)
        g_hash_table_add (wanted, raters[i]);
    }

  ws = arb_cli_open_workspace (argv[1], &status);
  if (ws == NULL)
    return status;
  stmt = _arb_workspace_prepare (ws,
                                 "SELECT s.uuid, g.uuid, sy.name, r.name, s.label, s.value, "
                                 "s.step_index, s.note, s.start_byte, s.end_byte, g.text, "
                                 "s.created_at "
                                 "FROM spans s JOIN generations g ON g.id = s.generation_id "
                                 "JOIN systems sy ON sy.id = g.system_id "
                                 "JOIN raters r ON r.id = s.rater_id "
                                 "WHERE s.superseded_by IS NULL "
                                 "ORDER BY g.id, s.start_byte, s.end_byte, s.id", &error);
  if (stmt == NULL)
    return arb_cli_fail (error);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(json_object) o = NULL;
      const char *rater = (const char *) sqlite3_column_text (stmt, 3);
      const char *text = (const char *) sqlite3_column_text (stmt, 10);
      gint64 len = sqlite3_column_bytes (stmt, 10);
      gint64 byte_start = sqlite3_column_int64 (stmt, 8);
      gint64 byte_end = sqlite3_column_int64 (stmt, 9);
      gint64 start, end;

      if (wanted != NULL && !g_hash_table_contains (wanted, rater))
        continue;
      if (text == NULL)
        text = "", len = 0;
      start = clamp_to_char (text, len, &byte_start);
      end = clamp_to_char (text, len, &byte_end);
      if (byte_end < byte_start)
        byte_end = byte_start, end = start;

      o = json_object_new_object ();
      add_text (o, "id", (const char *) sqlite3_column_text (stmt, 0));
      add_text (o, "generation", (const char *) sqlite3_column_text (stmt, 1));
      add_text (o, "system", (const char *) sqlite3_column_text (stmt, 2));
      add_text (o, "rater", rater);
      add_text (o, "label", (const char *) sqlite3_column_text (stmt, 4));
      json_object_object_add (o, "value", sqlite3_column_type (stmt, 5) == SQLITE_NULL ? NULL
                              : json_object_new_double (sqlite3_column_double (stmt, 5)));
      json_object_object_add (o, "step", sqlite3_column_type (stmt, 6) == SQLITE_NULL ? NULL
                              : json_object_new_int64 (sqlite3_column_int64 (stmt, 6)));
      json_object_object_add (o, "start", json_object_new_int64 (start));
      json_object_object_add (o, "end", json_object_new_int64 (end));
      json_object_object_add (o, "byte_start", json_object_new_int64 (byte_start));
      json_object_object_add (o, "byte_end", json_object_new_int64 (byte_end));
      json_object_object_add (o, "text", json_object_new_string_len (text + byte_start,
                                                                      byte_end - byte_start));
      add_text (o, "note", (const char *) sqlite3_column_text (stmt, 7));
      add_text (o, "created_at", (const char *) sqlite3_column_text (stmt, 11));
      fputs (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN |
                                                JSON_C_TO_STRING_NOSLASHESCAPE), stdout);
      fputc ('\n', stdout);
    }
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (&error, _arb_workspace_get_db (ws), argv[1]);
      sqlite3_reset (stmt);
      return arb_cli_fail (error);
    }
  sqlite3_reset (stmt);
  return fflush (stdout) == 0 ? 0 : 1;
}
