/* arb-tokenizations.c: the `tokenizations` table, a tokenizer's units for each generation
 *
 * One row per (generation, tokenizer, in_context). The ids and byte ranges are JSON arrays of
 * integers and of [start, end] pairs. The pieces are each token's bytes as the tokenizer
 * decodes them: a JSON string when they are valid UTF-8, else an array of byte values (as
 * llama.cpp's /tokenize gives a piece that ends inside a character), so a byte-fallback token
 * keeps its exact bytes. A tokenisation is replaced whole, never merged.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <json.h>

#include "arb-tokenizations.h"
#include "arb-workspace-private.h"

/**
 * arb_tokenization_new:
 *
 * Returns: (transfer full): an empty tokenisation (no tokens, no pieces, no call)
 */
ArbTokenization *
arb_tokenization_new (const char *tokenizer,
                      gint64      generation_id,
                      gboolean    in_context)
{
  ArbTokenization *t = g_new0 (ArbTokenization, 1);

  t->generation_id = generation_id;
  t->tokenizer = g_strdup (tokenizer);
  t->in_context = in_context;
  t->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  t->ranges = g_array_new (FALSE, FALSE, sizeof (ArbRange));
  t->call_id = -1;
  return t;
}

void
arb_tokenization_free (ArbTokenization *t)
{
  if (t == NULL)
    return;
  g_free (t->tokenizer);
  g_clear_pointer (&t->ids, g_array_unref);
  g_clear_pointer (&t->ranges, g_array_unref);
  g_clear_pointer (&t->pieces, g_ptr_array_unref);
  g_free (t);
}

void
arb_tokenize_item_free (ArbTokenizeItem *item)
{
  if (item == NULL)
    return;
  g_free (item->text);
  g_free (item->prompt_messages);
  g_free (item->messages);
  g_free (item);
}

/* ---- JSON forms ----------------------------------------------------------------------- */

/**
 * arb_tokenizations_pieces_to_json:
 * @pieces: (element-type GBytes)
 *
 * Returns: (transfer full): the JSON array stored in `pieces`
 */
char *
arb_tokenizations_pieces_to_json (GPtrArray *pieces)
{
  json_object *array = json_object_new_array_ext (pieces->len);
  char *json;

  for (guint i = 0; i < pieces->len; i++)
    {
      gsize len = 0;
      const char *data = g_bytes_get_data (g_ptr_array_index (pieces, i), &len);

      /* g_utf8_validate_len refuses NUL bytes too, which then go as numbers. */
      if (len == 0 || g_utf8_validate_len (data, len, NULL))
        json_object_array_add (array, json_object_new_string_len (len ? data : "", (int) len));
      else
        {
          json_object *bytes = json_object_new_array_ext (len);

          for (gsize b = 0; b < len; b++)
            json_object_array_add (bytes, json_object_new_int ((guint8) data[b]));
          json_object_array_add (array, bytes);
        }
    }
  json = g_strdup (json_object_to_json_string_ext (array, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (array);
  return json;
}

static void
set_corrupt (GError    **error,
             const char *what)
{
  g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
               "a tokenisation's %s is not what this version of Arbiter writes", what);
}

/**
 * arb_tokenizations_pieces_from_json:
 *
 * Returns: (transfer full) (element-type GBytes): the pieces of a `pieces` value, or NULL
 *   with @error when it is not an array of strings and byte arrays
 */
GPtrArray *
arb_tokenizations_pieces_from_json (const char  *json,
                                    GError     **error)
{
  json_object *root = json_tokener_parse (json);
  g_autoptr(GPtrArray) pieces = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  if (root == NULL || !json_object_is_type (root, json_type_array))
    goto bad;
  for (size_t i = 0; i < json_object_array_length (root); i++)
    {
      json_object *p = json_object_array_get_idx (root, i);

      if (json_object_is_type (p, json_type_string))
        g_ptr_array_add (pieces, g_bytes_new (json_object_get_string (p),
                                              json_object_get_string_len (p)));
      else if (json_object_is_type (p, json_type_array))
        {
          size_t n = json_object_array_length (p);
          guint8 *bytes = g_malloc (MAX (n, 1));

          for (size_t b = 0; b < n; b++)
            {
              json_object *v = json_object_array_get_idx (p, b);
              gint64 x = json_object_get_int64 (v);

              if (!json_object_is_type (v, json_type_int) || x < 0 || x > 255)
                {
                  g_free (bytes);
                  goto bad;
                }
              bytes[b] = (guint8) x;
            }
          g_ptr_array_add (pieces, g_bytes_new_take (bytes, n));
        }
      else
        goto bad;
    }
  json_object_put (root);
  return g_steal_pointer (&pieces);

bad:
  json_object_put (root);
  set_corrupt (error, "pieces");
  return NULL;
}

static char *
ids_to_json (GArray *ids)
{
  GString *s = g_string_sized_new (ids->len * 7 + 2);

  g_string_append_c (s, '[');
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? "," : "",
                            g_array_index (ids, gint64, i));
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static char *
ranges_to_json (GArray *ranges)
{
  GString *s = g_string_sized_new (ranges->len * 12 + 2);

  g_string_append_c (s, '[');
  for (guint i = 0; i < ranges->len; i++)
    {
      ArbRange *r = &g_array_index (ranges, ArbRange, i);

      g_string_append_printf (s, "%s[%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT "]", i ? "," : "",
                              r->start, r->end);
    }
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static gboolean
ids_from_json (const char  *json,
               GArray      *ids,
               GError     **error)
{
  json_object *root = json_tokener_parse (json);
  gboolean ok = root != NULL && json_object_is_type (root, json_type_array);

  for (size_t i = 0; ok && i < json_object_array_length (root); i++)
    {
      json_object *v = json_object_array_get_idx (root, i);
      gint64 id = json_object_get_int64 (v);

      ok = json_object_is_type (v, json_type_int);
      g_array_append_val (ids, id);
    }
  json_object_put (root);
  if (!ok)
    set_corrupt (error, "token_ids");
  return ok;
}

static gboolean
ranges_from_json (const char  *json,
                  GArray      *ranges,
                  GError     **error)
{
  json_object *root = json_tokener_parse (json);
  gboolean ok = root != NULL && json_object_is_type (root, json_type_array);

  for (size_t i = 0; ok && i < json_object_array_length (root); i++)
    {
      json_object *pair = json_object_array_get_idx (root, i);
      ArbRange r = { 0, 0 };

      ok = json_object_is_type (pair, json_type_array) && json_object_array_length (pair) == 2 &&
           json_object_is_type (json_object_array_get_idx (pair, 0), json_type_int) &&
           json_object_is_type (json_object_array_get_idx (pair, 1), json_type_int);
      if (ok)
        {
          r.start = json_object_get_int64 (json_object_array_get_idx (pair, 0));
          r.end = json_object_get_int64 (json_object_array_get_idx (pair, 1));
          ok = 0 <= r.start && r.start <= r.end;
        }
      g_array_append_val (ranges, r);
    }
  json_object_put (root);
  if (!ok)
    set_corrupt (error, "byte_ranges");
  return ok;
}

/* ---- rows ----------------------------------------------------------------------------- */

/**
 * arb_tokenizations_store:
 *
 * Writes @tokenization, replacing the generation's row for the same tokenizer and context.
 * Its ids and ranges must be as many (and its pieces too, when it has them).
 *
 * Returns: FALSE with @error on a storage error or mismatched arrays
 */
gboolean
arb_tokenizations_store (ArbWorkspace           *ws,
                         const ArbTokenization  *t,
                         GError                **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *now = _arb_now_iso8601 ();
  g_autofree char *ids = NULL;
  g_autofree char *ranges = NULL;
  g_autofree char *pieces = NULL;

  g_return_val_if_fail (ARB_IS_WORKSPACE (ws), FALSE);
  g_return_val_if_fail (t != NULL && t->tokenizer != NULL, FALSE);

  if (t->ids->len != t->ranges->len || (t->pieces != NULL && t->pieces->len != t->ids->len))
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   "generation %" G_GINT64_FORMAT ": %u token ids, %u byte ranges and %u pieces "
                   "do not pair up", t->generation_id, t->ids->len, t->ranges->len,
                   t->pieces != NULL ? t->pieces->len : t->ids->len);
      return FALSE;
    }
  ids = ids_to_json (t->ids);
  ranges = ranges_to_json (t->ranges);
  if (t->pieces != NULL)
    pieces = arb_tokenizations_pieces_to_json (t->pieces);
  stmt = _arb_workspace_prepare (ws,
                                 "INSERT INTO tokenizations (uuid, generation_id, tokenizer, "
                                 "in_context, token_ids, byte_ranges, pieces, call_id, "
                                 "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                 "ON CONFLICT (generation_id, tokenizer, in_context) DO UPDATE "
                                 "SET token_ids = excluded.token_ids, "
                                 "byte_ranges = excluded.byte_ranges, pieces = excluded.pieces, "
                                 "call_id = excluded.call_id, created_at = excluded.created_at",
                                 error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, t->generation_id);
  sqlite3_bind_text (stmt, 3, t->tokenizer, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 4, t->in_context ? 1 : 0);
  sqlite3_bind_text (stmt, 5, ids, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, ranges, -1, SQLITE_STATIC);
  if (pieces != NULL)
    sqlite3_bind_text (stmt, 7, pieces, -1, SQLITE_STATIC);
  if (t->call_id > 0)
    sqlite3_bind_int64 (stmt, 8, t->call_id);
  sqlite3_bind_text (stmt, 9, now, -1, SQLITE_STATIC);
  return _arb_workspace_step_done (ws, stmt, error);
}

/**
 * arb_tokenizations_get:
 *
 * Returns: (transfer full) (nullable): the generation's tokenisation, or NULL — with @error
 *   set on a storage error or a damaged row, without when there is none
 */
ArbTokenization *
arb_tokenizations_get (ArbWorkspace  *ws,
                       gint64         generation_id,
                       const char    *tokenizer,
                       gboolean       in_context,
                       GError       **error)
{
  sqlite3_stmt *stmt;
  g_autoptr(ArbTokenization) t = NULL;
  int rc;

  g_return_val_if_fail (ARB_IS_WORKSPACE (ws), NULL);
  g_return_val_if_fail (tokenizer != NULL, NULL);

  stmt = _arb_workspace_prepare (ws,
                                 "SELECT token_ids, byte_ranges, pieces, call_id "
                                 "FROM tokenizations WHERE generation_id = ? AND tokenizer = ? "
                                 "AND in_context = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, generation_id);
  sqlite3_bind_text (stmt, 2, tokenizer, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, in_context ? 1 : 0);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      t = arb_tokenization_new (tokenizer, generation_id, in_context);
      if (!ids_from_json ((const char *) sqlite3_column_text (stmt, 0), t->ids, error) ||
          !ranges_from_json ((const char *) sqlite3_column_text (stmt, 1), t->ranges, error))
        goto fail;
      if (sqlite3_column_type (stmt, 2) != SQLITE_NULL &&
          (t->pieces = arb_tokenizations_pieces_from_json (
             (const char *) sqlite3_column_text (stmt, 2), error)) == NULL)
        goto fail;
      if (sqlite3_column_type (stmt, 3) != SQLITE_NULL)
        t->call_id = sqlite3_column_int64 (stmt, 3);
      if (t->ids->len != t->ranges->len || (t->pieces != NULL && t->pieces->len != t->ids->len))
        {
          set_corrupt (error, "arrays' lengths");
          goto fail;
        }
    }
  else if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "reading a tokenisation");
      goto fail;
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&t);

fail:
  g_prefix_error (error, "generation %" G_GINT64_FORMAT ", tokenizer %s: ", generation_id,
                  tokenizer);
  sqlite3_reset (stmt);
  return NULL;
}

/**
 * arb_tokenizations_list_missing:
 * @after_id: only generations with a larger id (-1: from the first)
 * @limit: at most this many (-1: all)
 *
 * The visible text generations that have no tokenisation by @tokenizer in this context.
 *
 * Returns: (transfer full) (element-type ArbTokenizeItem): in id order, or NULL on error
 */
GPtrArray *
arb_tokenizations_list_missing (ArbWorkspace  *ws,
                                const char    *tokenizer,
                                gboolean       in_context,
                                gint64         after_id,
                                gint64         limit,
                                GError       **error)
{
  sqlite3_stmt *stmt;
  g_autoptr(GPtrArray) items =
    g_ptr_array_new_with_free_func ((GDestroyNotify) arb_tokenize_item_free);
  int rc;

  g_return_val_if_fail (ARB_IS_WORKSPACE (ws), NULL);
  g_return_val_if_fail (tokenizer != NULL, NULL);

  stmt = _arb_workspace_prepare (ws,
                                 "SELECT g.id, g.text, p.messages, g.messages "
                                 "FROM visible_generations g JOIN prompts p ON p.id = g.prompt_id "
                                 "WHERE g.kind = 'text' AND g.id > ?1 AND NOT EXISTS "
                                 "(SELECT 1 FROM tokenizations t WHERE t.generation_id = g.id "
                                 "AND t.tokenizer = ?3 AND t.in_context = ?4) "
                                 "ORDER BY g.id LIMIT ?2", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, after_id);
  sqlite3_bind_int64 (stmt, 2, limit);
  sqlite3_bind_text (stmt, 3, tokenizer, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 4, in_context ? 1 : 0);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ArbTokenizeItem *item = g_new0 (ArbTokenizeItem, 1);

      item->generation_id = sqlite3_column_int64 (stmt, 0);
      item->text_len = sqlite3_column_bytes (stmt, 1);
      item->text = g_strndup ((const char *) sqlite3_column_text (stmt, 1), item->text_len);
      item->prompt_messages = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      item->messages = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      g_ptr_array_add (items, item);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "listing generations to tokenise");
      return NULL;
    }
  return g_steal_pointer (&items);
}

/**
 * arb_tokenizations_count:
 * @out_generations: (out): visible text generations
 * @out_tokenized: (out): those of them with a tokenisation by @tokenizer in this context
 */
gboolean
arb_tokenizations_count (ArbWorkspace  *ws,
                         const char    *tokenizer,
                         gboolean       in_context,
                         gint64        *out_generations,
                         gint64        *out_tokenized,
                         GError       **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (ARB_IS_WORKSPACE (ws), FALSE);

  stmt = _arb_workspace_prepare (ws,
                                 "SELECT count(*), count(t.id) FROM visible_generations g "
                                 "LEFT JOIN tokenizations t ON t.generation_id = g.id "
                                 "AND t.tokenizer = ? AND t.in_context = ? WHERE g.kind = 'text'",
                                 error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, tokenizer, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, in_context ? 1 : 0);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *out_generations = sqlite3_column_int64 (stmt, 0);
      *out_tokenized = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "counting tokenisations");
      return FALSE;
    }
  return TRUE;
}

/**
 * arb_tokenizations_modes:
 * @out_alone: (out): whether some generation has a tokenisation by @tokenizer alone
 * @out_in_context: (out): whether some generation has one in its chat context
 */
gboolean
arb_tokenizations_modes (ArbWorkspace  *ws,
                         const char    *tokenizer,
                         gboolean      *out_alone,
                         gboolean      *out_in_context,
                         GError       **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (ARB_IS_WORKSPACE (ws), FALSE);

  stmt = _arb_workspace_prepare (ws,
                                 "SELECT EXISTS (SELECT 1 FROM tokenizations WHERE tokenizer = ?1 "
                                 "AND in_context = 0), EXISTS (SELECT 1 FROM tokenizations "
                                 "WHERE tokenizer = ?1 AND in_context = 1)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, tokenizer, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *out_alone = sqlite3_column_int (stmt, 0) != 0;
      *out_in_context = sqlite3_column_int (stmt, 1) != 0;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "reading tokenisations");
      return FALSE;
    }
  return TRUE;
}
