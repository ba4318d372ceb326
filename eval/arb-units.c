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

/* ---- unit kinds ------------------------------------------------------------------------ */

static const char *const kind_names[] = {
  [ARB_UNITS_WORDS] = "words",
  [ARB_UNITS_SENTENCES] = "sentences",
  [ARB_UNITS_LINES] = "lines",
  [ARB_UNITS_PARAGRAPHS] = "paragraphs",
  [ARB_UNITS_CHARACTERS] = "characters",
};

/**
 * arb_unit_kind_from_string:
 * @name: "words", "sentences", "lines", "paragraphs" or "characters" (case matters)
 * @out_kind: (out): the kind
 *
 * Returns: FALSE (and @out_kind untouched) for any other name
 */
gboolean
arb_unit_kind_from_string (const char  *name,
                           ArbUnitKind *out_kind)
{
  g_return_val_if_fail (out_kind != NULL, FALSE);

  if (name == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_strcmp0 (name, kind_names[i]) == 0)
      {
        *out_kind = (ArbUnitKind) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * arb_unit_kind_to_string:
 * @kind: a kind
 *
 * Returns: (transfer none): its name in settings, the CLI and the GUI
 */
const char *
arb_unit_kind_to_string (ArbUnitKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_names), NULL);
  return kind_names[kind];
}

/* ---- segmentation ---------------------------------------------------------------------- */

/* Model output is untrusted: Pango and GRegex need valid UTF-8 without NULs, so a text that is
 * not gets a copy of the same length in which each byte of an invalid sequence, and each NUL,
 * is a '?'. Every offset stays an offset into the caller's text. NULL when @text is valid. */
static char *
sanitized_copy (const char *text,
                gint64      len)
{
  const char *end;
  char *copy;
  gint64 pos;

  if (g_utf8_validate_len (text, len, &end))
    return NULL;

  copy = g_malloc (len + 1);
  memcpy (copy, text, len);
  copy[len] = '\0';
  for (pos = end - text; pos < len; pos = end - copy)
    {
      copy[pos] = '?';
      if (g_utf8_validate_len (copy + pos, len - pos, &end))
        break;
    }
  return copy;
}

/* White space is g_unichar_isspace()'s everywhere in this file (Zs, Zl, Zp, \t \n \r \f), which
 * is also what Pango sets is_white from, so every kind agrees on what "only white space" is. */
static inline gboolean
is_white_at (const char *p)
{
  return g_unichar_isspace (g_utf8_get_char (p));
}

static void
append_range (GArray *units,
              gint64  start,
              gint64  end)
{
  ArbRange r = { start, end };

  g_assert (start < end);
  g_array_append_val (units, r);
}

/* Shrinks [*start, *end) past white space at both ends; FALSE when nothing is left. */
static gboolean
trim_white (const char *text,
            gint64     *start,
            gint64     *end)
{
  gint64 s = *start, e = *end;

  while (s < e && is_white_at (text + s))
    s = g_utf8_next_char (text + s) - text;
  while (e > s)
    {
      const char *prev = g_utf8_prev_char (text + e);

      if (!is_white_at (prev))
        break;
      e = prev - text;
    }
  *start = s;
  *end = e;
  return s < e;
}

/* The length of the line break at @p (0 when there is none): \n, \r\n, \r, U+2028, U+2029. */
static int
line_break_length (const char *p,
                   const char *limit)
{
  if (*p == '\n')
    return 1;
  if (*p == '\r')
    return p + 1 < limit && p[1] == '\n' ? 2 : 1;
  if ((guchar) p[0] == 0xE2 && p + 2 < limit && (guchar) p[1] == 0x80 &&
      ((guchar) p[2] == 0xA8 || (guchar) p[2] == 0xA9))
    return 3;
  return 0;
}

/* Calls @func for each line: [start, end) without its break, and the break's length. */
typedef void (*LineFunc) (const char *text, gint64 start, gint64 end, int break_len,
                          gpointer user_data);

static void
foreach_line (const char *text,
              gint64      len,
              LineFunc    func,
              gpointer    user_data)
{
  gint64 start = 0;

  for (gint64 i = 0; i < len;)
    {
      int brk = line_break_length (text + i, text + len);

      if (brk == 0)
        {
          i++;
          continue;
        }
      func (text, start, i, brk, user_data);
      i += brk;
      start = i;
    }
  /* The last line, unless the text ends with a break (no empty line after it). */
  if (start < len || len == 0)
    func (text, start, len, 0, user_data);
}

static void
add_line (const char *text,
          gint64      start,
          gint64      end,
          int         break_len,
          gpointer    user_data)
{
  if (trim_white (text, &start, &end))
    append_range (user_data, start, end);
}

typedef struct
{
  GArray  *units;
  gint64   start;    /* of the paragraph being built, -1 when none */
  gint64   end;
} Paragraphs;

static void
paragraphs_flush (Paragraphs *p)
{
  if (p->start >= 0)
    append_range (p->units, p->start, p->end);
  p->start = -1;
}

static void
add_paragraph_line (const char *text,
                    gint64      start,
                    gint64      end,
                    int         break_len,
                    gpointer    user_data)
{
  Paragraphs *p = user_data;
  /* U+2029 PARAGRAPH SEPARATOR ends a paragraph by definition, as a blank line does. */
  gboolean separator = break_len == 3 && (guchar) text[end + 2] == 0xA9;

  if (!trim_white (text, &start, &end))
    {
      paragraphs_flush (p);
      return;
    }
  if (p->start < 0)
    p->start = start;
  p->end = end;
  if (separator)
    paragraphs_flush (p);
}

/* Segments between the boundaries Pango's UAX #29 implementation marks. */
typedef enum
{
  BOUNDARY_WORD,
  BOUNDARY_SENTENCE,
  BOUNDARY_GRAPHEME,
} BoundaryKind;

static void
segment_pango (const char   *text,
               gint64        len,
               BoundaryKind  boundary,
               GArray       *units)
{
  glong n_chars = g_utf8_strlen (text, len);
  g_autofree PangoLogAttr *attrs = g_new0 (PangoLogAttr, n_chars + 1);
  const char *p = text;
  gint64 seg_start = 0;
  gboolean seg_has_ink = FALSE;

  /* No language: the default (UAX #29) rules, the same whatever the locale. */
  pango_get_log_attrs (text, (int) len, -1, NULL, attrs, n_chars + 1);

  for (glong i = 0; i <= n_chars; i++)
    {
      gint64 pos = p - text;
      gboolean at_boundary;

      switch (boundary)
        {
        case BOUNDARY_WORD:
          at_boundary = attrs[i].is_word_boundary;
          break;
        case BOUNDARY_SENTENCE:
          at_boundary = attrs[i].is_sentence_boundary;
          break;
        case BOUNDARY_GRAPHEME:
        default:
          at_boundary = attrs[i].is_cursor_position;
          break;
        }
      /* The end of the text ends the last segment whatever Pango says there. */
      if (i == n_chars)
        at_boundary = TRUE;

      if (at_boundary && pos > seg_start)
        {
          if (boundary == BOUNDARY_SENTENCE)
            {
              gint64 s = seg_start, e = pos;

              if (trim_white (text, &s, &e))
                append_range (units, s, e);
            }
          else if (seg_has_ink)
            append_range (units, seg_start, pos);
          seg_start = pos;
          seg_has_ink = FALSE;
        }
      if (i == n_chars)
        break;
      if (!g_unichar_isspace (g_utf8_get_char (p)))
        seg_has_ink = TRUE;
      p = g_utf8_next_char (p);
    }
}

/**
 * arb_units_segment:
 * @text: UTF-8; each byte of an invalid sequence, and each NUL, counts as a character
 * @len: its length in bytes, or -1 when NUL-terminated
 * @kind: which units
 *
 * Returns: (transfer full) (element-type ArbRange): the units of @text, in order,
 *   non-overlapping, never empty and never only white space
 */
GArray *
arb_units_segment (const char  *text,
                   gssize       len,
                   ArbUnitKind  kind)
{
  g_autofree char *copy = NULL;
  GArray *units;

  g_return_val_if_fail (text != NULL || len == 0, NULL);
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_names), NULL);

  if (len < 0)
    len = strlen (text);
  g_return_val_if_fail (len <= G_MAXINT, NULL);   /* Pango counts in int */
  copy = sanitized_copy (text, len);
  if (copy != NULL)
    text = copy;

  units = g_array_new (FALSE, FALSE, sizeof (ArbRange));
  if (len == 0)
    return units;

  switch (kind)
    {
    case ARB_UNITS_WORDS:
      segment_pango (text, len, BOUNDARY_WORD, units);
      break;
    case ARB_UNITS_SENTENCES:
      segment_pango (text, len, BOUNDARY_SENTENCE, units);
      break;
    case ARB_UNITS_CHARACTERS:
      segment_pango (text, len, BOUNDARY_GRAPHEME, units);
      break;
    case ARB_UNITS_LINES:
      foreach_line (text, len, add_line, units);
      break;
    case ARB_UNITS_PARAGRAPHS:
      {
        Paragraphs p = { units, -1, -1 };

        foreach_line (text, len, add_paragraph_line, &p);
        paragraphs_flush (&p);
      }
      break;
    default:
      g_assert_not_reached ();
    }
  return units;
}

/* ---- reasoning steps ------------------------------------------------------------------- */

typedef struct
{
  GRegex  *regex;
  gint64   len;
  GArray  *cuts;      /* gint64 line starts where the pattern matched */
  GError  *error;
} StepCuts;

static void
find_step_cut (const char *text,
               gint64      start,
               gint64      end,
               int         break_len,
               gpointer    user_data)
{
  StepCuts *c = user_data;
  g_autoptr(GMatchInfo) info = NULL;

  if (c->error != NULL)
    return;
  if (g_regex_match_full (c->regex, text, c->len, start,
                          G_REGEX_MATCH_ANCHORED | G_REGEX_MATCH_NEWLINE_ANY, &info, &c->error))
    g_array_append_val (c->cuts, start);
}

static void
append_trimmed (GArray     *units,
                const char *text,
                gint64      start,
                gint64      end)
{
  if (trim_white (text, &start, &end))
    append_range (units, start, end);
}

/**
 * arb_units_steps_by_pattern:
 * @text: UTF-8 (invalid bytes and NULs as in arb_units_segment())
 * @len: its length in bytes, or -1 when NUL-terminated
 * @pattern: a GRegex (PCRE) pattern, tried at the start of each line
 * @error: a GRegexError for a bad pattern or a match that hits PCRE's limits
 *
 * Each step runs from a line where @pattern matches to the next such line, trimmed of white
 * space at both ends. The pattern is anchored at the line's start; "^" also matches there.
 *
 * Returns: (transfer full) (element-type ArbRange): the steps, or NULL with @error
 */
GArray *
arb_units_steps_by_pattern (const char  *text,
                            gssize       len,
                            const char  *pattern,
                            GError     **error)
{
  g_autoptr(GRegex) regex = NULL;
  g_autoptr(GArray) cuts = NULL;
  g_autofree char *copy = NULL;
  GArray *units;
  StepCuts c;
  gint64 prev;

  g_return_val_if_fail (text != NULL || len == 0, NULL);
  g_return_val_if_fail (pattern != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len < 0)
    len = strlen (text);
  copy = sanitized_copy (text, len);
  if (copy != NULL)
    text = copy;

  regex = g_regex_new (pattern, G_REGEX_MULTILINE, G_REGEX_MATCH_NEWLINE_ANY, error);
  if (regex == NULL)
    return NULL;

  cuts = g_array_new (FALSE, FALSE, sizeof (gint64));
  c = (StepCuts) { regex, len, cuts, NULL };
  foreach_line (text, len, find_step_cut, &c);
  if (c.error != NULL)
    {
      g_propagate_prefixed_error (error, c.error, "step pattern “%s”: ", pattern);
      return NULL;
    }

  units = g_array_new (FALSE, FALSE, sizeof (ArbRange));
  prev = 0;
  for (guint i = 0; i < cuts->len; i++)
    {
      gint64 cut = g_array_index (cuts, gint64, i);

      append_trimmed (units, text, prev, cut);
      prev = cut;
    }
  append_trimmed (units, text, prev, len);
  return units;
}

/* ---- model pieces ---------------------------------------------------------------------- */

#define SP_SPACE "\xE2\x96\x81"   /* U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's space */

/* GPT-2's bytes_to_unicode() (openai/gpt-2 src/encoder.py, also Hugging Face's ByteLevel
 * pre-tokenizer): the printable bytes ! to ~, ¡ to ¬ and ® to ÿ stand for themselves; the 68
 * others (0x00-0x20, 0x7F-0xA0, 0xAD), in increasing order, become U+0100 + n. So a space is
 * U+0120 "Ġ" and a newline U+010A "Ċ". */
static inline gboolean
byte_level_printable (guint c)
{
  return (c >= 0x21 && c <= 0x7E) || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF);
}

/* The byte a code point of a byte-level piece stands for, or -1. */
static int
byte_level_to_byte (gunichar c)
{
  guint n;

  if (byte_level_printable (c))
    return (int) c;
  if (c < 0x100 || c >= 0x100 + 68)
    return -1;
  n = c - 0x100;
  if (n < 33)
    return (int) n;                 /* 0x00-0x20 */
  if (n < 33 + 34)
    return (int) (0x7F + n - 33);   /* 0x7F-0xA0 */
  return 0xAD;
}

/**
 * arb_byte_level_char:
 * @byte: a byte
 *
 * The inverse of the byte-level decoding: the code point GPT-2's table maps @byte to.
 *
 * Returns: a code point in U+0021-U+0143
 */
gunichar
arb_byte_level_char (guint8 byte)
{
  if (byte_level_printable (byte))
    return byte;
  if (byte <= 0x20)
    return 0x100 + byte;
  if (byte >= 0x7F && byte <= 0xA0)
    return 0x100 + 33 + (byte - 0x7F);
  return 0x100 + 67;   /* 0xAD, SOFT HYPHEN */
}

/* "<s>", "<|eot_id|>", "<｜end▁of▁sentence｜>": kept as their own text. */
static gboolean
looks_special (const char *piece,
               gsize       len)
{
  return len >= 3 && piece[0] == '<' && piece[len - 1] == '>';
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* SentencePiece's byte-fallback piece "<0xNN>": its byte, else -1. */
static int
sentencepiece_byte (const char *piece,
                    gsize       len)
{
  int hi, lo;

  if (len != 6 || memcmp (piece, "<0x", 3) != 0 || piece[5] != '>')
    return -1;
  hi = hex_value (piece[3]);
  lo = hex_value (piece[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

static gboolean
decode_sentencepiece (const char *piece,
                      gsize       len,
                      GByteArray *out)
{
  int byte = sentencepiece_byte (piece, len);
  gsize run = 0, i = 0;

  if (byte >= 0)
    {
      guint8 b = byte;

      g_byte_array_append (out, &b, 1);
      return TRUE;
    }
  if (!g_utf8_validate_len (piece, len, NULL))
    return FALSE;
  while (i < len)
    {
      if (i + 3 <= len && memcmp (piece + i, SP_SPACE, 3) == 0)
        {
          g_byte_array_append (out, (const guint8 *) piece + run, i - run);
          g_byte_array_append (out, (const guint8 *) " ", 1);
          i += 3;
          run = i;
        }
      else
        i++;
    }
  g_byte_array_append (out, (const guint8 *) piece + run, len - run);
  return TRUE;
}

static gboolean
decode_byte_level (const char *piece,
                   gsize       len,
                   GByteArray *out)
{
  guint old_len = out->len;

  if (!g_utf8_validate_len (piece, len, NULL))
    return FALSE;
  for (const char *p = piece; p < piece + len; p = g_utf8_next_char (p))
    {
      int byte = byte_level_to_byte (g_utf8_get_char (p));
      guint8 b;

      if (byte < 0)
        {
          g_byte_array_set_size (out, old_len);
          if (!looks_special (piece, len))
            return FALSE;
          g_byte_array_append (out, (const guint8 *) piece, len);
          return TRUE;
        }
      b = byte;
      g_byte_array_append (out, &b, 1);
    }
  return TRUE;
}

/**
 * arb_piece_decode:
 * @piece: a vocabulary piece
 * @len: its length in bytes, or -1 when NUL-terminated
 * @encoding: how the vocabulary writes bytes; %ARB_PIECES_AUTO guesses from this piece alone
 * @out: the decoded bytes are appended here
 *
 * Returns: FALSE (and @out unchanged) when @piece cannot be in @encoding: not valid UTF-8 in
 *   SentencePiece or byte-level, or a character outside GPT-2's byte table in byte-level
 */
gboolean
arb_piece_decode (const char       *piece,
                  gssize            len,
                  ArbPieceEncoding  encoding,
                  GByteArray       *out)
{
  g_return_val_if_fail (piece != NULL || len == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (len < 0)
    len = strlen (piece);

  if (encoding == ARB_PIECES_AUTO)
    {
      g_autofree char *copy = g_strndup (piece, len);
      const char *one[] = { copy, NULL };

      /* A piece with a NUL in it cannot be told apart by the guess; it is only text. */
      encoding = memchr (piece, '\0', len) ? ARB_PIECES_TEXT : arb_pieces_guess_encoding (one);
    }

  switch (encoding)
    {
    case ARB_PIECES_TEXT:
      g_byte_array_append (out, (const guint8 *) piece, len);
      return TRUE;
    case ARB_PIECES_SENTENCEPIECE:
      return decode_sentencepiece (piece, len, out);
    case ARB_PIECES_BYTE_LEVEL:
      return decode_byte_level (piece, len, out);
    case ARB_PIECES_AUTO:
    default:
      g_return_val_if_reached (FALSE);
    }
}

/**
 * arb_pieces_guess_encoding:
 * @pieces: (array zero-terminated=1): the pieces of one tokenisation
 *
 * Byte-level when every piece (other than "<…>" special tokens) decodes in it, the decoded
 * bytes together are valid UTF-8, and some piece uses a character above U+007F (its marks "Ġ",
 * "Ċ", or "Ã©"-style high bytes): text pieces with a plain space or an accented letter fail one
 * of these. Else SentencePiece when a piece holds "▁" or is "<0xNN>". Else text (which is also
 * right for ASCII byte-level pieces without spaces, as they decode to themselves).
 *
 * Returns: the encoding, never %ARB_PIECES_AUTO
 */
ArbPieceEncoding
arb_pieces_guess_encoding (const char * const *pieces)
{
  g_autoptr(GByteArray) joined = g_byte_array_new ();
  gboolean byte_level = TRUE, high = FALSE;

  g_return_val_if_fail (pieces != NULL, ARB_PIECES_TEXT);

  for (guint i = 0; pieces[i] != NULL && byte_level; i++)
    {
      gsize len = strlen (pieces[i]);

      if (looks_special (pieces[i], len))
        continue;
      if (!decode_byte_level (pieces[i], len, joined))
        byte_level = FALSE;
      for (gsize k = 0; k < len && !high; k++)
        high = (guchar) pieces[i][k] >= 0x80;
    }
  if (byte_level && high && g_utf8_validate_len ((const char *) joined->data, joined->len, NULL))
    return ARB_PIECES_BYTE_LEVEL;

  for (guint i = 0; pieces[i] != NULL; i++)
    if (strstr (pieces[i], SP_SPACE) != NULL ||
        sentencepiece_byte (pieces[i], strlen (pieces[i])) >= 0)
      return ARB_PIECES_SENTENCEPIECE;

  return ARB_PIECES_TEXT;
}

/* ---- aligning tokens with the text ---------------------------------------------------- */

/* memmem() without _GNU_SOURCE: the first occurrence of @needle in @hay at or after @from. */
static gssize
find_bytes (const guint8 *hay,
            gsize         hay_len,
            gsize         from,
            const guint8 *needle,
            gsize         needle_len)
{
  if (needle_len == 0)
    return from <= hay_len ? (gssize) from : -1;
  while (from + needle_len <= hay_len)
    {
      const guint8 *p = memchr (hay + from, needle[0], hay_len - needle_len + 1 - from);

      if (p == NULL)
        return -1;
      if (memcmp (p, needle, needle_len) == 0)
        return p - hay;
      from = p - hay + 1;
    }
  return -1;
}

static gssize
find_last_bytes (const guint8 *hay,
                 gsize         hay_len,
                 const guint8 *needle,
                 gsize         needle_len)
{
  gssize last = -1, at;

  if (needle_len == 0)
    return hay_len;
  for (at = find_bytes (hay, hay_len, 0, needle, needle_len); at >= 0;
       at = find_bytes (hay, hay_len, at + 1, needle, needle_len))
    last = at;
  return last;
}

/* Up to 24 bytes from @p, as readable text for an error message: control characters escaped,
 * everything else (any non-ASCII character) left as it is. */
static char *
snippet (const guint8 *p,
         gsize         len)
{
  char high[129];
  g_autofree char *valid = NULL;

  if (len == 0)
    return g_strdup ("(the end)");
  for (int i = 0; i < 128; i++)
    high[i] = (char) (0x80 + i);
  high[128] = '\0';
  valid = g_utf8_make_valid ((const char *) p, MIN (len, 24));
  return g_strescape (valid, high);
}

static void
set_mismatch_error (GError      **error,
                    const char   *text,
                    gsize         len,
                    const guint8 *joined,
                    gsize         joined_len)
{
  gsize lo = 0, hi = len;   /* the longest prefix of @text found in @joined has lo bytes */
  gssize at;
  g_autofree char *text_next = NULL;
  g_autofree char *tokens_next = NULL;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo + 1) / 2;

      if (find_bytes (joined, joined_len, 0, (const guint8 *) text, mid) >= 0)
        lo = mid;
      else
        hi = mid - 1;
    }
  /* Back to a character boundary so the message shows whole characters. */
  while (lo > 0 && lo < len && is_continuation ((guchar) text[lo]))
    lo--;
  at = find_last_bytes (joined, joined_len, (const guint8 *) text, lo);
  text_next = snippet ((const guint8 *) text + lo, len - lo);
  tokens_next = snippet (joined + at + lo, joined_len - at - lo);
  g_set_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_INVALID,
               "the tokens do not reproduce the text: they hold its first %" G_GSIZE_FORMAT
               " bytes (%" G_GINT64_FORMAT " characters) at byte %" G_GSSIZE_FORMAT
               " of their %" G_GSIZE_FORMAT ", then the text has “%s” where the tokens have “%s”",
               lo, (gint64) g_utf8_strlen (text, lo), at, joined_len, text_next, tokens_next);
}

/**
 * arb_tokens_align:
 * @text: the generation's text
 * @len: its length in bytes, or -1 when NUL-terminated
 * @decoded: (element-type GBytes): each token's bytes, in order (arb_piece_decode())
 * @error: %ARB_EVAL_ERROR_INVALID when the tokens do not reproduce @text
 *
 * The tokens' bytes are joined and @text is looked for in them, last occurrence first (the
 * response comes after the prompt in a chat template). Each token's range in the joined bytes
 * is clipped to that occurrence and made relative to @text: tokens before it get {0, 0}, after
 * it {len, len}. A space a SentencePiece tokenizer put before the first word is then simply a
 * byte before the occurrence.
 *
 * Returns: (transfer full) (element-type ArbRange): one range per token, or NULL with @error
 */
GArray *
arb_tokens_align (const char  *text,
                  gssize       len,
                  GPtrArray   *decoded,
                  GError     **error)
{
  g_autoptr(GByteArray) joined = g_byte_array_new ();
  g_autofree gint64 *starts = NULL;
  GArray *ranges;
  gssize at;

  g_return_val_if_fail (text != NULL || len == 0, NULL);
  g_return_val_if_fail (decoded != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len < 0)
    len = strlen (text);

  starts = g_new (gint64, decoded->len + 1);
  for (guint i = 0; i < decoded->len; i++)
    {
      GBytes *bytes = g_ptr_array_index (decoded, i);
      gsize n = 0;
      const guint8 *data;

      g_return_val_if_fail (bytes != NULL, NULL);
      data = g_bytes_get_data (bytes, &n);
      starts[i] = joined->len;
      g_byte_array_append (joined, data, n);
    }
  starts[decoded->len] = joined->len;

  at = find_last_bytes (joined->data, joined->len, (const guint8 *) text, len);
  if (at < 0)
    {
      set_mismatch_error (error, text, len, joined->data, joined->len);
      return NULL;
    }

  ranges = g_array_sized_new (FALSE, FALSE, sizeof (ArbRange), decoded->len);
  for (guint i = 0; i < decoded->len; i++)
    {
      ArbRange r = {
        CLAMP (starts[i], at, at + (gint64) len) - at,
        CLAMP (starts[i + 1], at, at + (gint64) len) - at,
      };

      g_array_append_val (ranges, r);
    }
  return ranges;
}
