/* arb-cli-spans.c: `arbiter-cli spans`, every current span label as one JSON object per line
 *
 * Offsets are given both ways: `start`/`end` in Unicode code points (end-exclusive, as
 * FineGrainedRLHF and most annotation tools count) and `byte_start`/`byte_end` in UTF-8 bytes
 * (as the workspace stores them and tokenizers count).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <json.h>

#include "arb-cli.h"
#include "arb-json-reader.h"
#include "arb-labels.h"

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

typedef struct
{
  GHashTable *wanted;
  gboolean    write_failed;
} SpansOut;

static gboolean
print_span (const ArbSpanRow *row,
            gpointer          user_data)
{
  SpansOut *out = user_data;
  g_autoptr(json_object) o = NULL;
  const ArbSpan *s = &row->span;
  gint64 byte_start = s->start_byte, byte_end = s->end_byte;
  gint64 start, end;

  if (out->wanted != NULL && !g_hash_table_contains (out->wanted, row->rater))
    return TRUE;
  start = clamp_to_char (row->text, row->text_len, &byte_start);
  end = clamp_to_char (row->text, row->text_len, &byte_end);
  if (byte_end < byte_start)
    byte_end = byte_start, end = start;

  o = json_object_new_object ();
  add_text (o, "id", s->uuid);
  add_text (o, "generation", row->generation_uuid);
  add_text (o, "system", row->system);
  add_text (o, "rater", row->rater);
  add_text (o, "label", s->label);
  json_object_object_add (o, "value", isnan (s->value) ? NULL : json_object_new_double (s->value));
  json_object_object_add (o, "step", s->step_index < 0 ? NULL
                                                      : json_object_new_int64 (s->step_index));
  json_object_object_add (o, "start", json_object_new_int64 (start));
  json_object_object_add (o, "end", json_object_new_int64 (end));
  json_object_object_add (o, "byte_start", json_object_new_int64 (byte_start));
  json_object_object_add (o, "byte_end", json_object_new_int64 (byte_end));
  json_object_object_add (o, "text", json_object_new_string_len (row->text + byte_start,
                                                                  byte_end - byte_start));
  add_text (o, "note", s->note);
  add_text (o, "created_at", row->created_at);
  if (fputs (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN |
                                                JSON_C_TO_STRING_NOSLASHESCAPE), stdout) < 0 ||
      fputc ('\n', stdout) == EOF)
    {
      out->write_failed = TRUE;
      return FALSE;
    }
  return TRUE;
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
  SpansOut out = { NULL, FALSE };
  int status;

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
  out.wanted = wanted;
  if (!arb_workspace_foreach_span (ws, print_span, &out, &error))
    return arb_cli_fail (error);
  return !out.write_failed && fflush (stdout) == 0 ? 0 : 1;
}
