/* arb-units.c: text offsets and units: UTF-8 bytes <-> code points <-> model tokens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/units.md explains each unit kind, the token cover and how pieces are decoded.
 */
#include "arb-units.h"
#include "arb-eval.h"

#include <pango/pango.h>
#include <string.h>

/* ---- bytes <-> code points ------------------------------------------------------------ */

/* One checkpoint every CHECKPOINT_EVERY code points: cp -> byte is one lookup and at most 63
 * steps forward, byte -> cp a binary search over the checkpoints and the same walk. */
#define CHECKPOINT_SHIFT 6
#define CHECKPOINT_EVERY (1 << CHECKPOINT_SHIFT)

struct _ArbOffsetMap
{
  const char *text;
  gint64      n_bytes;
  gint64      n_code_points;
  gint64     *checkpoints;    /* checkpoints[k] = byte offset of code point k * 64 */
  gsize       n_checkpoints;
};

static inline gboolean
is_continuation (guchar c)
{
  return (c & 0xC0) == 0x80;
}

/**
 * arb_offset_map_new:
 * @text: valid UTF-8
 * @len: its length in bytes, or -1 when NUL-terminated
 *
 * Returns: (transfer full): an index over @text, which must outlive it
 */
ArbOffsetMap *
arb_offset_map_new (const char *text,
                    gssize      len)
{
  ArbOffsetMap *map;
  GArray *checkpoints;
  gint64 cp = 0;

  g_return_val_if_fail (text != NULL || len == 0, NULL);

  if (len < 0)
    len = strlen (text);

  map = g_new0 (ArbOffsetMap, 1);
  map->text = text;
  map->n_bytes = len;

  checkpoints = g_array_sized_new (FALSE, FALSE, sizeof (gint64), len / CHECKPOINT_EVERY + 1);
  for (gint64 i = 0; i < len; i++)
    {
      if (is_continuation ((guchar) text[i]))
        continue;
      if ((cp & (CHECKPOINT_EVERY - 1)) == 0)
        g_array_append_val (checkpoints, i);
      cp++;
    }
  map->n_code_points = cp;
  map->n_checkpoints = checkpoints->len;
  map->checkpoints = (gint64 *) (void *) g_array_free (checkpoints, FALSE);
  return map;
}

void
arb_offset_map_free (ArbOffsetMap *map)
{
  if (map == NULL)
    return;
  g_free (map->checkpoints);
  g_free (map);
}

gint64
arb_offset_map_n_bytes (const ArbOffsetMap *map)
{
  g_return_val_if_fail (map != NULL, 0);
  return map->n_bytes;
}

gint64
arb_offset_map_n_code_points (const ArbOffsetMap *map)
{
  g_return_val_if_fail (map != NULL, 0);
  return map->n_code_points;
}

/**
 * arb_offset_map_byte_to_cp:
 * @map: a map
 * @byte: a byte offset
 *
 * Returns: the code point offset of @byte, or -1 when @byte is outside [0, n_bytes] or inside a
 *   character
 */
gint64
arb_offset_map_byte_to_cp (const ArbOffsetMap *map,
                           gint64              byte)
{
  gsize lo, hi;
  gint64 pos, cp;

  g_return_val_if_fail (map != NULL, -1);

  if (byte < 0 || byte > map->n_bytes)
    return -1;
  if (byte == map->n_bytes)
    return map->n_code_points;
  if (is_continuation ((guchar) map->text[byte]))
    return -1;
  if (map->n_bytes == map->n_code_points)
    return byte;   /* ASCII */

  /* The last checkpoint at or before @byte (checkpoint 0 is byte 0). */
  lo = 0;
  hi = map->n_checkpoints;
  while (hi - lo > 1)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (map->checkpoints[mid] <= byte)
        lo = mid;
      else
        hi = mid;
    }

  pos = map->checkpoints[lo];
  cp = (gint64) lo << CHECKPOINT_SHIFT;
  while (pos < byte)
    {
      pos++;
      while (pos < byte && is_continuation ((guchar) map->text[pos]))
        pos++;
      cp++;
    }
  return cp;
}

/**
 * arb_offset_map_cp_to_byte:
 * @map: a map
 * @cp: a code point offset
 *
 * Returns: the byte offset of @cp, or -1 when @cp is outside [0, n_code_points]
 */
gint64
arb_offset_map_cp_to_byte (const ArbOffsetMap *map,
                           gint64              cp)
{
  gint64 pos;

  g_return_val_if_fail (map != NULL, -1);

  if (cp < 0 || cp > map->n_code_points)
    return -1;
  if (cp == map->n_code_points)
    return map->n_bytes;
  if (map->n_bytes == map->n_code_points)
    return cp;

  pos = map->checkpoints[cp >> CHECKPOINT_SHIFT];
  for (gint64 k = cp & (CHECKPOINT_EVERY - 1); k > 0; k--)
    {
      pos++;
      while (pos < map->n_bytes && is_continuation ((guchar) map->text[pos]))
        pos++;
    }
  return pos;
}

/**
 * arb_utf8_byte_to_cp:
 * @text: valid UTF-8
 * @len: its length in bytes, or -1 when NUL-terminated
 * @byte: a byte offset
 *
 * One-off conversion, linear in @byte (plus strlen when @len is -1).
 *
 * Returns: the code point offset of @byte, or -1 when it is outside [0, len] or inside a
 *   character
 */
gint64
arb_utf8_byte_to_cp (const char *text,
                     gssize      len,
                     gint64      byte)
{
  gint64 cp = 0;

  g_return_val_if_fail (text != NULL || len == 0, -1);

  if (len < 0)
    len = strlen (text);
  if (byte < 0 || byte > len)
    return -1;
  if (byte < len && is_continuation ((guchar) text[byte]))
    return -1;
  for (gint64 i = 0; i < byte; i++)
    cp += !is_continuation ((guchar) text[i]);
  return cp;
}

/**
 * arb_utf8_cp_to_byte:
 * @text: valid UTF-8
 * @len: its length in bytes, or -1 when NUL-terminated
 * @cp: a code point offset
 *
 * One-off conversion, linear in the result.
 *
 * Returns: the byte offset of @cp, or -1 when it is outside [0, number of code points]
 */
gint64
arb_utf8_cp_to_byte (const char *text,
                     gssize      len,
                     gint64      cp)
{
  gint64 pos = 0;

  g_return_val_if_fail (text != NULL || len == 0, -1);

  if (cp < 0)
    return -1;
  for (gint64 k = 0; k < cp; k++)
    {
      if (len >= 0 ? pos >= len : text[pos] == '\0')
        return -1;
      pos++;
      while ((len >= 0 ? pos < len : text[pos] != '\0') && is_continuation ((guchar) text[pos]))
        pos++;
    }
  return pos;
}

/* ---- finding units ---------------------------------------------------------------------- */

/**
 * arb_units_find:
 * @units: (array length=n_units): sorted, non-overlapping ranges
 * @n_units: how many
 * @byte: a byte offset
 *
 * Binary search. Units with an empty range are skipped: they contain nothing.
 *
 * Returns: the index of the unit containing @byte, else of the first non-empty unit after it,
 *   else @n_units
 */
guint
arb_units_find (const ArbRange *units,
                guint           n_units,
                gint64          byte)
{
  guint lo = 0, hi = n_units;

  g_return_val_if_fail (units != NULL || n_units == 0, n_units);

  /* Ends are non-decreasing, so "end > byte" splits the array in two. */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (units[mid].end > byte)
        hi = mid;
      else
        lo = mid + 1;
    }
  while (lo < n_units && units[lo].start == units[lo].end)
    lo++;
  return lo;
}

/**
 * arb_units_cover:
 * @units: (array length=n_units): sorted, non-overlapping ranges (tokens, words, …)
 * @n_units: how many
 * @start: the range's first byte
 * @end: the byte after its last (@start for an empty range)
 * @out_first: (out) (optional): the first unit of the cover
 * @out_last_exclusive: (out) (optional): one past its last unit
 * @out_cover: (out) (optional): from the first unit's start to the last one's end
 *
 * The token cover of [start, end): every unit whose range intersects it; for an empty range,
 * the unit that contains its position. Empty units never begin or end a cover.
 *
 * Returns: FALSE when no unit does (the range lies in white space between words, say)
 */
gboolean
arb_units_cover (const ArbRange *units,
                 guint           n_units,
                 gint64          start,
                 gint64          end,
                 guint          *out_first,
                 guint          *out_last_exclusive,
                 ArbRange       *out_cover)
{
  guint first, last;

  g_return_val_if_fail (units != NULL || n_units == 0, FALSE);
  g_return_val_if_fail (start <= end, FALSE);

  first = arb_units_find (units, n_units, start);
  if (first >= n_units)
    return FALSE;

  if (start == end)
    {
      if (units[first].start > start)
        return FALSE;
      last = first + 1;
    }
  else
    {
      guint lo = first, hi = n_units;

      if (units[first].start >= end)
        return FALSE;
      /* Starts are non-decreasing too: the first unit starting at or after @end ends the run. */
      while (lo < hi)
        {
          guint mid = lo + (hi - lo) / 2;

          if (units[mid].start < end)
            lo = mid + 1;
          else
            hi = mid;
        }
      last = lo;
      while (last > first + 1 && units[last - 1].start == units[last - 1].end)
        last--;
    }

  if (out_first)
    *out_first = first;
  if (out_last_exclusive)
    *out_last_exclusive = last;
  if (out_cover)
    {
      out_cover->start = units[first].start;
      out_cover->end = units[last - 1].end;
    }
  return TRUE;
}
