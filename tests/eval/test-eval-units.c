/* test-eval-units.c: offsets, units, token covers, piece decoding and token alignment
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Property tests on random text drawn from a pool of hard cases (combining marks, CJK,
 * right-to-left scripts, ZWJ emoji, flags, 4-byte characters, blank lines), with a fixed seed
 * printed in the output (ARB_TEST_UNITS_SEED overrides it), plus hand-written cases.
 */
#include <string.h>

#include "arb-eval.h"
#include "arb-units.h"

#define N_ITERATIONS 400

static guint32 seed = 20261203;

/* The pool random texts are drawn from: each entry is one "piece" of text. */
static const char *const pool[] = {
  "a", "b", "Hello", "world", "ok", "42", "3.14", " ", " ", " ", "  ", "\t", ",", ".", "!", "?",
  ":", "'", "\"", "(", ")", "-", "_",
  "e\xCC\x81",                     /* e + COMBINING ACUTE ACCENT */
  "w\xC3\xB6rld",                  /* wörld, precomposed */
  "na\xC3\xAFve",                  /* naïve */
  "\xE4\xB8\xAD\xE6\x96\x87",      /* 中文 */
  "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", /* 日本語 */
  "\xD8\xA7\xD9\x84\xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A\xD8\xA9", /* العربية */
  "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D",                          /* שלום */
  "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7", /* 👩‍👩‍👧 */
  "\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7",                          /* 🇫🇷 */
  "\xF0\x9F\x98\x80",                                          /* 😀 */
  "\xF0\x9D\x94\xB8",                                          /* 𝔸, 4 bytes */
  "\xF0\xA0\x80\x8B",                                          /* 𠀋, 4 bytes CJK ext. B */
  "\xE2\x82\xAC",                                              /* € */
  "\xC2\xA0",                                                  /* NO-BREAK SPACE */
  "\n", "\n", "\n\n", "\r\n", "\n  \n",
};

static char *
random_text (GRand *rand,
             int    max_pieces)
{
  GString *s = g_string_new (NULL);
  int n = g_rand_int_range (rand, 0, max_pieces + 1);

  for (int i = 0; i < n; i++)
    g_string_append (s, pool[g_rand_int_range (rand, 0, G_N_ELEMENTS (pool))]);
  return g_string_free (s, FALSE);
}

static GRand *
test_rand (void)
{
  return g_rand_new_with_seed (seed);
}

/* ---- offsets -------------------------------------------------------------------------- */

static void
test_offsets_roundtrip (void)
{
  g_autoptr(GRand) rand = test_rand ();

  for (int it = 0; it < N_ITERATIONS; it++)
    {
      g_autofree char *text = random_text (rand, 40);
      gint64 len = strlen (text);
      g_autoptr(ArbOffsetMap) map = arb_offset_map_new (text, len);
      gint64 n_cp = g_utf8_strlen (text, len);
      gint64 cp = 0;

      g_assert_cmpint (arb_offset_map_n_bytes (map), ==, len);
      g_assert_cmpint (arb_offset_map_n_code_points (map), ==, n_cp);

      for (gint64 b = 0; b <= len; b++)
        {
          gboolean boundary = b == len || (text[b] & 0xC0) != 0x80;
          gint64 got = arb_offset_map_byte_to_cp (map, b);
          gint64 got1 = arb_utf8_byte_to_cp (text, it % 2 ? len : -1, b);

          if (!boundary)
            {
              g_assert_cmpint (got, ==, -1);
              g_assert_cmpint (got1, ==, -1);
              continue;
            }
          g_assert_cmpint (got, ==, cp);
          g_assert_cmpint (got1, ==, cp);
          g_assert_cmpint (arb_offset_map_cp_to_byte (map, got), ==, b);
          g_assert_cmpint (arb_utf8_cp_to_byte (text, it % 2 ? -1 : len, got), ==, b);
          cp++;
        }
      g_assert_cmpint (cp, ==, n_cp + 1);

      for (gint64 c = 0; c <= n_cp; c++)
        {
          gint64 b = arb_offset_map_cp_to_byte (map, c);

          g_assert_cmpint (b, ==, g_utf8_offset_to_pointer (text, c) - text);
          g_assert_cmpint (arb_offset_map_byte_to_cp (map, b), ==, c);
          g_assert_cmpint (arb_utf8_cp_to_byte (text, len, c), ==, b);
        }

      g_assert_cmpint (arb_offset_map_byte_to_cp (map, -1), ==, -1);
      g_assert_cmpint (arb_offset_map_byte_to_cp (map, len + 1), ==, -1);
      g_assert_cmpint (arb_offset_map_cp_to_byte (map, -1), ==, -1);
      g_assert_cmpint (arb_offset_map_cp_to_byte (map, n_cp + 1), ==, -1);
      g_assert_cmpint (arb_utf8_byte_to_cp (text, len, len + 1), ==, -1);
      g_assert_cmpint (arb_utf8_cp_to_byte (text, len, n_cp + 1), ==, -1);
      g_assert_cmpint (arb_utf8_cp_to_byte (text, -1, n_cp + 1), ==, -1);
    }
}

/* A long text crosses many checkpoints. */
static void
test_offsets_long (void)
{
  g_autoptr(GRand) rand = test_rand ();
  g_autoptr(GString) s = g_string_new (NULL);
  g_autoptr(ArbOffsetMap) map = NULL;
  const char *p;
  gint64 cp = 0;

  while (s->len < 50000)
    g_string_append (s, pool[g_rand_int_range (rand, 0, G_N_ELEMENTS (pool))]);
  map = arb_offset_map_new (s->str, s->len);
  for (p = s->str; *p; p = g_utf8_next_char (p), cp++)
    {
      g_assert_cmpint (arb_offset_map_byte_to_cp (map, p - s->str), ==, cp);
      g_assert_cmpint (arb_offset_map_cp_to_byte (map, cp), ==, p - s->str);
    }
  g_assert_cmpint (arb_offset_map_byte_to_cp (map, s->len), ==, cp);
  g_assert_cmpint (arb_offset_map_n_code_points (map), ==, cp);
}

/* ---- find and cover ------------------------------------------------------------------- */

/* A random tokenisation of [0, len): cut points, with empty "special" tokens now and then. */
static GArray *
random_tokens (GRand *rand,
               gint64 len)
{
  GArray *tokens = g_array_new (FALSE, FALSE, sizeof (ArbRange));
  gint64 pos = 0;

  while (pos < len)
    {
      ArbRange r;
      gint64 step;

      if (g_rand_int_range (rand, 0, 10) == 0)
        {
          r.start = r.end = pos;
          g_array_append_val (tokens, r);
        }
      step = g_rand_int_range (rand, 1, 7);
      r.start = pos;
      r.end = MIN (len, pos + step);
      g_array_append_val (tokens, r);
      pos = r.end;
    }
  return tokens;
}

static void
check_cover (const ArbRange *units,
             guint           n,
             gint64          start,
             gint64          end,
             gboolean        units_tile)
{
  guint first = G_MAXUINT, last = G_MAXUINT;
  ArbRange cover = { -1, -1 };
  gboolean any = FALSE;
  gboolean ok;

  for (guint i = 0; i < n; i++)
    if (units[i].start < units[i].end &&
        (start == end ? units[i].start <= start && start < units[i].end
                      : units[i].start < end && units[i].end > start))
      any = TRUE;

  ok = arb_units_cover (units, n, start, end, &first, &last, &cover);
  g_assert_cmpint (ok, ==, any);
  if (!ok)
    return;

  g_assert_cmpuint (first, <, last);
  g_assert_cmpuint (last, <=, n);
  g_assert_cmpint (cover.start, ==, units[first].start);
  g_assert_cmpint (cover.end, ==, units[last - 1].end);
  /* Its ends are real units that each touch the range: dropping either uncovers some of it. */
  g_assert_cmpint (units[first].start, <, units[first].end);
  g_assert_cmpint (units[last - 1].start, <, units[last - 1].end);
  if (start == end)
    {
      g_assert_cmpuint (last, ==, first + 1);
      g_assert_cmpint (units[first].start, <=, start);
      g_assert_cmpint (start, <, units[first].end);
    }
  else
    {
      g_assert_cmpint (units[first].end, >, start);
      g_assert_cmpint (units[first].start, <, end);
      g_assert_cmpint (units[last - 1].start, <, end);
      g_assert_cmpint (units[last - 1].end, >, start);
      /* Nothing outside the run intersects the range. */
      for (guint i = 0; i < n; i++)
        if ((i < first || i >= last) && units[i].start < units[i].end)
          g_assert_true (units[i].end <= start || units[i].start >= end);
    }
  if (units_tile)
    {
      g_assert_cmpint (cover.start, <=, start);
      g_assert_cmpint (cover.end, >=, end);
    }
}

static void
test_cover_tokens (void)
{
  g_autoptr(GRand) rand = test_rand ();

  for (int it = 0; it < N_ITERATIONS; it++)
    {
      gint64 len = g_rand_int_range (rand, 0, 60);
      g_autoptr(GArray) tokens = random_tokens (rand, len);
      const ArbRange *t = (const ArbRange *) (void *) tokens->data;

      for (gint64 b = 0; b <= len; b++)
        {
          guint i = arb_units_find (t, tokens->len, b);
          guint expect = tokens->len;

          for (guint k = 0; k < tokens->len; k++)
            if (t[k].start < t[k].end && t[k].end > b)
              {
                expect = k;
                break;
              }
          g_assert_cmpuint (i, ==, expect);
        }
      for (int k = 0; k < 20; k++)
        {
          gint64 a = g_rand_int_range (rand, 0, len + 1);
          gint64 b = g_rand_int_range (rand, a, len + 1);

          check_cover (t, tokens->len, a, b, TRUE);
        }
    }
}

/* ---- segmentation --------------------------------------------------------------------- */

static gboolean
is_white (const char *p)
{
  return g_unichar_isspace (g_utf8_get_char (p));
}

static void
check_units (const char *text,
             gint64      len,
             GArray     *units,
             ArbUnitKind kind)
{
  const ArbRange *u = (const ArbRange *) (void *) units->data;
  guint k = 0;

  for (guint i = 0; i < units->len; i++)
    {
      gboolean ink = FALSE;

      g_assert_cmpint (u[i].start, >=, 0);
      g_assert_cmpint (u[i].start, <, u[i].end);
      g_assert_cmpint (u[i].end, <=, len);
      if (i > 0)
        g_assert_cmpint (u[i - 1].end, <=, u[i].start);
      /* On character boundaries. */
      g_assert_cmpint (arb_utf8_byte_to_cp (text, len, u[i].start), >=, 0);
      g_assert_cmpint (arb_utf8_byte_to_cp (text, len, u[i].end), >=, 0);
      for (const char *p = text + u[i].start; p < text + u[i].end; p = g_utf8_next_char (p))
        ink |= !is_white (p);
      g_assert_true (ink);
      if (kind != ARB_UNITS_WORDS && kind != ARB_UNITS_CHARACTERS)
        {
          g_assert_false (is_white (text + u[i].start));
          g_assert_false (is_white (g_utf8_prev_char (text + u[i].end)));
        }
    }

  /* Every character that is not white space is inside a unit. */
  for (const char *p = text; p < text + len; p = g_utf8_next_char (p))
    {
      gint64 b = p - text;

      while (k < units->len && u[k].end <= b)
        k++;
      if (!is_white (p))
        {
          if (k >= units->len || u[k].start > b)
            g_error ("%s: byte %" G_GINT64_FORMAT " (U+%04X) of “%s” is in no unit",
                     arb_unit_kind_to_string (kind), b, g_utf8_get_char (p), text);
        }
    }
}

static void
test_segment_properties (void)
{
  g_autoptr(GRand) rand = test_rand ();

  for (int it = 0; it < N_ITERATIONS; it++)
    {
      g_autofree char *text = random_text (rand, 40);
      gint64 len = strlen (text);

      for (ArbUnitKind kind = ARB_UNITS_WORDS; kind <= ARB_UNITS_CHARACTERS; kind++)
        {
          g_autoptr(GArray) units = arb_units_segment (text, it % 2 ? -1 : len, kind);
          const ArbRange *u = (const ArbRange *) (void *) units->data;

          check_units (text, len, units, kind);

          /* Covers of random ranges by these units. */
          for (int r = 0; r < 8; r++)
            {
              gint64 a = g_rand_int_range (rand, 0, len + 1);
              gint64 b = g_rand_int_range (rand, a, len + 1);
              ArbRange cover;

              a = g_utf8_find_prev_char (text, text + a + 1) - text;
              b = b == len ? len : g_utf8_find_prev_char (text, text + b + 1) - text;
              if (a > b)
                a = b;
              check_cover (u, units->len, a, b, FALSE);
              if (!arb_units_cover (u, units->len, a, b, NULL, NULL, &cover))
                continue;
              /* It holds every character of the range that is not white space. */
              for (const char *p = text + a; p < text + b; p = g_utf8_next_char (p))
                if (!is_white (p))
                  {
                    g_assert_cmpint (cover.start, <=, p - text);
                    g_assert_cmpint (cover.end, >, p - text);
                  }
            }
        }
    }
}

/* Units as "text" strings joined by "|", for exact comparisons. */
static char *
units_string (const char *text,
              GArray     *units)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < units->len; i++)
    {
      ArbRange r = g_array_index (units, ArbRange, i);

      if (i > 0)
        g_string_append_c (s, '|');
      g_string_append_len (s, text + r.start, r.end - r.start);
    }
  return g_string_free (s, FALSE);
}

static void
assert_units (const char  *text,
              ArbUnitKind  kind,
              const char  *expect)
{
  g_autoptr(GArray) units = arb_units_segment (text, -1, kind);
  g_autofree char *got = units_string (text, units);

  g_test_message ("%s of “%s”: %s", arb_unit_kind_to_string (kind), text, got);
  g_assert_cmpstr (got, ==, expect);
  check_units (text, strlen (text), units, kind);
}

static void
test_segment_words (void)
{
  const char *text = "Hello, w\xC3\xB6rld! "
                     "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7 ok";
  const ArbRange expect[] = { { 0, 5 }, { 5, 6 }, { 7, 13 }, { 13, 14 }, { 15, 33 }, { 34, 36 } };
  g_autoptr(GArray) units = arb_units_segment (text, -1, ARB_UNITS_WORDS);

  g_assert_cmpuint (units->len, ==, G_N_ELEMENTS (expect));
  for (guint i = 0; i < units->len; i++)
    {
      g_assert_cmpint (g_array_index (units, ArbRange, i).start, ==, expect[i].start);
      g_assert_cmpint (g_array_index (units, ArbRange, i).end, ==, expect[i].end);
    }

  /* Numbers with a decimal point, contractions and combining marks stay one word. */
  assert_units ("It's 3.14, e\xCC\x81te\xCC\x81.", ARB_UNITS_WORDS,
                "It's|3.14|,|e\xCC\x81te\xCC\x81|.");
  assert_units ("", ARB_UNITS_WORDS, "");
  assert_units (" \n\t ", ARB_UNITS_WORDS, "");
}

static void
test_segment_characters (void)
{
  assert_units ("e\xCC\x81 \xF0\x9F\x87\xAB\xF0\x9F\x87\xB7\xF0\x9F\x98\x80\r\nx",
                ARB_UNITS_CHARACTERS,
                "e\xCC\x81|\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7|\xF0\x9F\x98\x80|x");
}

static void
test_segment_sentences (void)
{
  assert_units ("  Hello there. How are you?  Fine!\nNext line\n\n\"Quoted.\" End",
                ARB_UNITS_SENTENCES,
                "Hello there.|How are you?|Fine!|Next line|\"Quoted.\"|End");
  /* UAX #29 keeps a decimal number in one sentence. */
  assert_units ("It is 3.5 m long. Yes.", ARB_UNITS_SENTENCES, "It is 3.5 m long.|Yes.");
}

static void
test_segment_lines (void)
{
  assert_units ("a\n\n  b  \r\nc\rd\n", ARB_UNITS_LINES, "a|b|c|d");
  assert_units ("one\xE2\x80\xA8two", ARB_UNITS_LINES, "one|two");
  assert_units ("\n \n", ARB_UNITS_LINES, "");
}

static void
test_segment_paragraphs (void)
{
  assert_units ("p1 l1\np1 l2\n\n\n  p2 \n \t\np3\n", ARB_UNITS_PARAGRAPHS,
                "p1 l1\np1 l2|p2|p3");
  assert_units ("a\xE2\x80\xA9" "b\nc", ARB_UNITS_PARAGRAPHS, "a|b\nc");
}

static void
assert_steps (const char *text,
              const char *pattern,
              const char *expect)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) steps = arb_units_steps_by_pattern (text, -1, pattern, &error);
  g_autofree char *got = NULL;

  g_assert_no_error (error);
  got = units_string (text, steps);
  g_test_message ("steps /%s/: %s", pattern, got);
  g_assert_cmpstr (got, ==, expect);
}

static void
test_segment_steps (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) bad = NULL;
  const char *text = "Let me think.\nStep 1: add 2 and 2.\nThat is 4.\n\n"
                     "Step 2: say it. Step 3: not a cut\n  Step 4: indented\nStep 5: done\n";

  assert_steps (text, "Step \\d+:",
                "Let me think.|Step 1: add 2 and 2.\nThat is 4.|"
                "Step 2: say it. Step 3: not a cut\n  Step 4: indented|Step 5: done");
  assert_steps (text, "^\\s*Step \\d+:",
                "Let me think.|Step 1: add 2 and 2.\nThat is 4.|Step 2: say it. Step 3: not a cut|"
                "Step 4: indented|Step 5: done");
  assert_steps ("\n\nStep 1: a\r\nStep 2: b", "Step", "Step 1: a|Step 2: b");
  assert_steps ("no steps here\n", "Step", "no steps here");
  assert_steps ("", "Step", "");

  bad = arb_units_steps_by_pattern (text, -1, "Step (", &error);
  g_assert_null (bad);
  g_assert_error (error, G_REGEX_ERROR, G_REGEX_ERROR_UNMATCHED_PARENTHESIS);
  g_test_message ("bad pattern: %s", error->message);
}

static void
assert_ranges_are (GArray         *got,
                   const ArbRange *expect,
                   guint           n)
{
  g_assert_nonnull (got);
  g_assert_cmpuint (got->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpint (g_array_index (got, ArbRange, i).start, ==, expect[i].start);
      g_assert_cmpint (g_array_index (got, ArbRange, i).end, ==, expect[i].end);
    }
}

/* Untrusted text: invalid bytes and NULs are characters of their own, offsets stay exact. */
static void
test_segment_invalid (void)
{
  /*                   0 1 2   3 4 5 6 7   8 9 10  11  12  13 */
  const char text[] = "ab\xFF" "cd e\0f\n\xE2\x82 \xC3";
  const gssize len = sizeof text - 1;
  const ArbRange words[] = { { 0, 2 }, { 2, 3 }, { 3, 5 }, { 6, 7 }, { 7, 8 }, { 8, 9 },
                             { 10, 11 }, { 11, 12 }, { 13, 14 } };
  const ArbRange lines[] = { { 0, 9 }, { 10, 14 } };
  g_autoptr(GArray) w = arb_units_segment (text, len, ARB_UNITS_WORDS);
  g_autoptr(GArray) l = arb_units_segment (text, len, ARB_UNITS_LINES);
  g_autoptr(GArray) c = arb_units_segment (text, len, ARB_UNITS_CHARACTERS);
  g_autoptr(GArray) steps = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (len, ==, 14);
  assert_ranges_are (w, words, G_N_ELEMENTS (words));
  assert_ranges_are (l, lines, G_N_ELEMENTS (lines));
  g_assert_cmpuint (c->len, ==, 11);   /* every byte but the space and the line break */
  steps = arb_units_steps_by_pattern (text, len, "\\?", &error);
  g_assert_no_error (error);
  assert_ranges_are (steps, lines, G_N_ELEMENTS (lines));
}

static void
test_kind_names (void)
{
  for (ArbUnitKind kind = ARB_UNITS_WORDS; kind <= ARB_UNITS_CHARACTERS; kind++)
    {
      ArbUnitKind back = (ArbUnitKind) -1;

      g_assert_true (arb_unit_kind_from_string (arb_unit_kind_to_string (kind), &back));
      g_assert_cmpint (back, ==, kind);
    }
  {
    ArbUnitKind k = ARB_UNITS_LINES;

    g_assert_true (arb_unit_kind_from_string ("words", &k));
    g_assert_cmpint (k, ==, ARB_UNITS_WORDS);
    g_assert_false (arb_unit_kind_from_string ("Words", &k));
    g_assert_false (arb_unit_kind_from_string ("tokens", &k));
    g_assert_false (arb_unit_kind_from_string (NULL, &k));
    g_assert_cmpint (k, ==, ARB_UNITS_WORDS);
  }
  g_assert_cmpstr (arb_unit_kind_to_string (ARB_UNITS_PARAGRAPHS), ==, "paragraphs");
}

/* 150 KB of mixed text, segmented into words; the time is printed, and bounded loosely so a
 * loaded machine does not fail it (the target, 50 ms, is in docs/units.md). */
static void
test_segment_speed (void)
{
  g_autoptr(GRand) rand = test_rand ();
  g_autoptr(GString) s = g_string_new (NULL);

  while (s->len < 150000)
    g_string_append (s, pool[g_rand_int_range (rand, 0, G_N_ELEMENTS (pool))]);

  for (ArbUnitKind kind = ARB_UNITS_WORDS; kind <= ARB_UNITS_CHARACTERS; kind++)
    {
      double best = G_MAXDOUBLE;
      guint n = 0;

      for (int run = 0; run < 3; run++)
        {
          gint64 t0 = g_get_monotonic_time ();
          g_autoptr(GArray) units = arb_units_segment (s->str, s->len, kind);

          best = MIN (best, (g_get_monotonic_time () - t0) / 1000.0);
          n = units->len;
        }
      g_test_message ("%s of %zu bytes: %u units in %.2f ms", arb_unit_kind_to_string (kind),
                      s->len, n, best);
      g_assert_cmpfloat (best, <, 200.0);
    }

  /* The offset map: built once, then O(log n) lookups. */
  {
    gint64 t0 = g_get_monotonic_time ();
    g_autoptr(ArbOffsetMap) map = arb_offset_map_new (s->str, s->len);
    gint64 t1 = g_get_monotonic_time ();
    gint64 n_cp = arb_offset_map_n_code_points (map);
    gint64 sum = 0;
    const int n_lookups = 100000;

    for (int i = 0; i < n_lookups; i++)
      {
        gint64 b = arb_offset_map_cp_to_byte (map, g_rand_int_range (rand, 0, n_cp + 1));

        sum += arb_offset_map_byte_to_cp (map, b);
      }
    g_assert_cmpint (sum, >, 0);
    g_test_message ("offset map of %zu bytes: built in %.2f ms, %d cp->byte->cp lookups in %.2f ms",
                    s->len, (t1 - t0) / 1000.0, n_lookups,
                    (g_get_monotonic_time () - t1) / 1000.0);
  }
}

/* ---- pieces and alignment ------------------------------------------------------------ */

/* A random split of [0, len) into non-empty tokens, cutting anywhere, inside characters too. */
static GArray *
random_split (GRand *rand,
              gint64 len)
{
  GArray *split = g_array_new (FALSE, FALSE, sizeof (ArbRange));

  for (gint64 pos = 0; pos < len;)
    {
      gint64 step = g_rand_int_range (rand, 1, 9);   /* not inside MIN (): it evaluates twice */
      ArbRange r = { pos, MIN (len, pos + step) };

      g_array_append_val (split, r);
      pos = r.end;
    }
  return split;
}

/* SentencePiece cannot hold part of a character in a piece: such tokens become one
 * byte-fallback piece per byte, as a SentencePiece tokenizer with byte_fallback does. */
static GArray *
refine_for_sentencepiece (const char *text,
                          GArray     *split)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (ArbRange));

  for (guint i = 0; i < split->len; i++)
    {
      ArbRange r = g_array_index (split, ArbRange, i);

      if (g_utf8_validate_len (text + r.start, r.end - r.start, NULL))
        g_array_append_val (out, r);
      else
        for (gint64 b = r.start; b < r.end; b++)
          {
            ArbRange one = { b, b + 1 };

            g_array_append_val (out, one);
          }
    }
  return out;
}

typedef struct
{
  GPtrArray *pieces;   /* char *, NUL-terminated where the encoding allows; text pieces may */
  GArray    *lengths;  /* gssize, and carry their length here */
} Pieces;

static void
pieces_clear (Pieces *p)
{
  g_clear_pointer (&p->pieces, g_ptr_array_unref);
  g_clear_pointer (&p->lengths, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Pieces, pieces_clear)

static void
pieces_add (Pieces     *p,
            const char *data,
            gssize      len)
{
  if (p->pieces == NULL)
    {
      p->pieces = g_ptr_array_new_null_terminated (0, g_free, TRUE);
      p->lengths = g_array_new (FALSE, FALSE, sizeof (gssize));
    }
  if (len < 0)
    len = strlen (data);
  g_ptr_array_add (p->pieces, g_strndup (data, len));
  g_array_append_val (p->lengths, len);
}

static void
encode_piece (Pieces           *p,
              const char       *bytes,
              gsize             len,
              ArbPieceEncoding  encoding,
              gboolean          first)
{
  g_autoptr(GString) s = g_string_new (NULL);

  switch (encoding)
    {
    case ARB_PIECES_TEXT:
      pieces_add (p, bytes, len);
      return;
    case ARB_PIECES_BYTE_LEVEL:
      for (gsize i = 0; i < len; i++)
        g_string_append_unichar (s, arb_byte_level_char ((guint8) bytes[i]));
      break;
    case ARB_PIECES_SENTENCEPIECE:
      if (len == 1 && (guchar) bytes[0] >= 0x80)
        g_string_append_printf (s, "<0x%02X>", (guchar) bytes[0]);
      else if (len == 1 && bytes[0] == '\n')
        g_string_append (s, "<0x0A>");
      else
        {
          /* The space SentencePiece puts before the first word (add_dummy_prefix). */
          if (first && bytes[0] != ' ')
            g_string_append (s, "\xE2\x96\x81");
          for (gsize i = 0; i < len; i++)
            if (bytes[i] == ' ')
              g_string_append (s, "\xE2\x96\x81");
            else
              g_string_append_c (s, bytes[i]);
        }
      break;
    case ARB_PIECES_AUTO:
    default:
      g_assert_not_reached ();
    }
  pieces_add (p, s->str, s->len);
}

static GPtrArray *
decode_all (const Pieces     *p,
            ArbPieceEncoding  encoding)
{
  GPtrArray *decoded = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint i = 0; p->pieces != NULL && i < p->pieces->len; i++)
    {
      g_autoptr(GByteArray) out = g_byte_array_new ();
      const char *piece = g_ptr_array_index (p->pieces, i);
      gssize len = g_array_index (p->lengths, gssize, i);

      if (!arb_piece_decode (piece, len, encoding, out))
        g_error ("piece %u “%s” does not decode in encoding %d", i, piece, encoding);
      g_ptr_array_add (decoded, g_byte_array_free_to_bytes (g_steal_pointer (&out)));
    }
  return decoded;
}

static void
assert_ranges (GArray     *got,
               GArray     *expect,
               guint       offset,
               const char *what)
{
  for (guint i = 0; i < expect->len; i++)
    {
      ArbRange e = g_array_index (expect, ArbRange, i);
      ArbRange g = g_array_index (got, ArbRange, i + offset);

      if (e.start != g.start || e.end != g.end)
        g_error ("%s: token %u of %u is [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                 ") instead of [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ")",
                 what, i, expect->len, g.start, g.end, e.start, e.end);
    }
}

static const char *const prefix_pieces[] = { "<|user|>", "\n", "hi", "<|assistant|>", "\n" };
static const char *const suffix_piece = "<|end|>";

static void
test_align_properties (void)
{
  g_autoptr(GRand) rand = test_rand ();
  const ArbPieceEncoding encodings[] = {
    ARB_PIECES_TEXT, ARB_PIECES_SENTENCEPIECE, ARB_PIECES_BYTE_LEVEL,
  };

  for (int it = 0; it < N_ITERATIONS; it++)
    {
      g_autofree char *text = random_text (rand, 30);
      gint64 len = strlen (text);
      g_autoptr(GArray) split = random_split (rand, len);

      for (guint e = 0; e < G_N_ELEMENTS (encodings); e++)
        {
          ArbPieceEncoding encoding = encodings[e];
          g_autoptr(GArray) tokens = encoding == ARB_PIECES_SENTENCEPIECE ?
                                     refine_for_sentencepiece (text, split) :
                                     g_array_ref (split);
          g_auto(Pieces) alone = { NULL, NULL };
          g_auto(Pieces) chat = { NULL, NULL };
          g_autoptr(GPtrArray) decoded = NULL;
          g_autoptr(GPtrArray) decoded_chat = NULL;
          g_autoptr(GPtrArray) decoded_guess = NULL;
          g_autoptr(GArray) ranges = NULL;
          g_autoptr(GArray) ranges_chat = NULL;
          g_autoptr(GError) error = NULL;
          ArbPieceEncoding guessed;

          for (guint i = 0; i < tokens->len; i++)
            {
              ArbRange r = g_array_index (tokens, ArbRange, i);

              encode_piece (&alone, text + r.start, r.end - r.start, encoding, i == 0);
              encode_piece (&chat, text + r.start, r.end - r.start, encoding, FALSE);
            }

          /* Alone: exactly the split's ranges back. */
          decoded = decode_all (&alone, encoding);
          ranges = arb_tokens_align (text, it % 2 ? -1 : len, decoded, &error);
          g_assert_no_error (error);
          g_assert_cmpuint (ranges->len, ==, tokens->len);
          assert_ranges (ranges, tokens, 0, "alone");

          /* The guessed encoding decodes to the same bytes. */
          if (alone.pieces != NULL && encoding != ARB_PIECES_TEXT)
            {
              guessed = arb_pieces_guess_encoding ((const char * const *) alone.pieces->pdata);
              g_assert_cmpint (guessed, !=, ARB_PIECES_AUTO);
              decoded_guess = decode_all (&alone, guessed);
              for (guint i = 0; i < decoded->len; i++)
                g_assert_true (g_bytes_equal (decoded->pdata[i], decoded_guess->pdata[i]));
            }

          /* Inside a chat template: the template's tokens are empty at the ends. */
          {
            g_auto(Pieces) full = { NULL, NULL };

            for (guint i = 0; i < G_N_ELEMENTS (prefix_pieces); i++)
              {
                if (strcmp (prefix_pieces[i], "\n") == 0)
                  encode_piece (&full, "\n", 1, encoding, FALSE);
                else
                  pieces_add (&full, prefix_pieces[i], -1);
              }
            for (guint i = 0; chat.pieces != NULL && i < chat.pieces->len; i++)
              pieces_add (&full, chat.pieces->pdata[i], g_array_index (chat.lengths, gssize, i));
            pieces_add (&full, suffix_piece, -1);

            decoded_chat = decode_all (&full, encoding);
            ranges_chat = arb_tokens_align (text, len, decoded_chat, &error);
            g_assert_no_error (error);
            g_assert_cmpuint (ranges_chat->len, ==, tokens->len + G_N_ELEMENTS (prefix_pieces) + 1);
            for (guint i = 0; i < G_N_ELEMENTS (prefix_pieces); i++)
              {
                g_assert_cmpint (g_array_index (ranges_chat, ArbRange, i).start, ==, 0);
                g_assert_cmpint (g_array_index (ranges_chat, ArbRange, i).end, ==, 0);
              }
            assert_ranges (ranges_chat, tokens, G_N_ELEMENTS (prefix_pieces), "in chat");
            g_assert_cmpint (g_array_index (ranges_chat, ArbRange, ranges_chat->len - 1).start,
                             ==, len);
            g_assert_cmpint (g_array_index (ranges_chat, ArbRange, ranges_chat->len - 1).end,
                             ==, len);

            /* The aligned tokens tile the text, so a cover always contains its range. */
            for (int k = 0; k < 10; k++)
              {
                gint64 a = g_rand_int_range (rand, 0, len + 1);
                gint64 b = g_rand_int_range (rand, a, len + 1);

                check_cover ((const ArbRange *) (void *) ranges_chat->data, ranges_chat->len,
                             a, b, TRUE);
              }
          }

          /* A text the tokens do not hold: one character changed to '#', which no text from
           * the pool has. */
          if (len > 0)
            {
              g_autoptr(GString) other = g_string_new (NULL);
              g_autoptr(GArray) none = NULL;
              gint64 pick = g_rand_int_range (rand, 0, len);
              const char *c = g_utf8_find_prev_char (text, text + pick + 1);
              const char *next = g_utf8_next_char (c);

              g_string_append_len (other, text, c - text);
              g_string_append_c (other, '#');
              g_string_append (other, next);
              none = arb_tokens_align (other->str, other->len, decoded, &error);
              g_assert_null (none);
              g_assert_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_INVALID);
              g_clear_error (&error);
            }
        }
    }
}

static GPtrArray *
bytes_list (const char *const *pieces,
            guint              n)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (list, g_bytes_new (pieces[i], strlen (pieces[i])));
  return list;
}

static void
test_align_cases (void)
{
  g_autoptr(GError) error = NULL;

  /* A template token that swallows the text's first character, and a last token that runs into
   * the end of turn: both clipped. */
  {
    const char *const pieces[] = { "<|assistant|>", "\nHe", "llo", " wor", "ld<|end|>", "\n" };
    g_autoptr(GPtrArray) list = bytes_list (pieces, G_N_ELEMENTS (pieces));
    g_autoptr(GArray) r = arb_tokens_align ("Hello world", -1, list, &error);
    const ArbRange expect[] = { { 0, 0 }, { 0, 2 }, { 2, 5 }, { 5, 9 }, { 9, 11 }, { 11, 11 } };

    g_assert_no_error (error);
    for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
      {
        g_assert_cmpint (g_array_index (r, ArbRange, i).start, ==, expect[i].start);
        g_assert_cmpint (g_array_index (r, ArbRange, i).end, ==, expect[i].end);
      }
  }

  /* The prompt holds the response's text too: the last occurrence is the response. */
  {
    const char *const pieces[] = { "Say", " ok", ".", "\n", "ok" };
    g_autoptr(GPtrArray) list = bytes_list (pieces, G_N_ELEMENTS (pieces));
    g_autoptr(GArray) r = arb_tokens_align ("ok", -1, list, &error);

    g_assert_no_error (error);
    g_assert_cmpint (g_array_index (r, ArbRange, 1).start, ==, 0);
    g_assert_cmpint (g_array_index (r, ArbRange, 1).end, ==, 0);
    g_assert_cmpint (g_array_index (r, ArbRange, 4).start, ==, 0);
    g_assert_cmpint (g_array_index (r, ArbRange, 4).end, ==, 2);
  }

  /* A mismatch says where. */
  {
    const char *const pieces[] = { "\xE2\x96\x81Hello", "\xE2\x96\x81w", "rld" };
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    g_autoptr(GArray) r = NULL;

    for (guint i = 0; i < G_N_ELEMENTS (pieces); i++)
      {
        GByteArray *out = g_byte_array_new ();

        g_assert_true (arb_piece_decode (pieces[i], -1, ARB_PIECES_SENTENCEPIECE, out));
        g_ptr_array_add (list, g_byte_array_free_to_bytes (out));
      }
    r = arb_tokens_align ("Hello w\xC3\xB6rld", -1, list, &error);
    g_assert_null (r);
    g_assert_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_INVALID);
    g_test_message ("mismatch: %s", error->message);
    g_assert_nonnull (strstr (error->message, "first 7 bytes (7 characters)"));
    g_assert_nonnull (strstr (error->message, "at byte 1 of their 11"));
    g_assert_nonnull (strstr (error->message, "“\xC3\xB6rld”"));
    g_assert_nonnull (strstr (error->message, "“rld”"));
  }
}

static char *
decode_one (const char       *piece,
            gssize            len,
            ArbPieceEncoding  encoding)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  if (!arb_piece_decode (piece, len, encoding, out))
    return NULL;
  g_byte_array_append (out, (const guint8 *) "", 1);
  return (char *) g_byte_array_free (g_steal_pointer (&out), FALSE);
}

#define assert_decodes(piece, encoding, expect) \
  G_STMT_START { \
    g_autofree char *got_ = decode_one (piece, -1, encoding); \
    g_assert_cmpstr (got_, ==, expect); \
  } G_STMT_END

static void
test_piece_decode (void)
{
  /* SentencePiece */
  assert_decodes ("\xE2\x96\x81Hello", ARB_PIECES_SENTENCEPIECE, " Hello");
  assert_decodes ("a\xE2\x96\x81\xE2\x96\x81" "b\xE2\x96\x81", ARB_PIECES_SENTENCEPIECE, "a  b ");
  assert_decodes ("<0x41>", ARB_PIECES_SENTENCEPIECE, "A");
  assert_decodes ("<0x0A>", ARB_PIECES_SENTENCEPIECE, "\n");
  assert_decodes ("<0xE2>", ARB_PIECES_SENTENCEPIECE, "\xE2");
  assert_decodes ("<0xZZ>", ARB_PIECES_SENTENCEPIECE, "<0xZZ>");
  assert_decodes ("<s>", ARB_PIECES_SENTENCEPIECE, "<s>");
  assert_decodes ("\xE4\xB8\xAD", ARB_PIECES_SENTENCEPIECE, "\xE4\xB8\xAD");
  g_assert_null (decode_one ("\xE2\x96", -1, ARB_PIECES_SENTENCEPIECE));
  {
    g_autofree char *nul = decode_one ("<0x00>", -1, ARB_PIECES_SENTENCEPIECE);

    g_assert_nonnull (nul);
    g_assert_cmpint (nul[0], ==, '\0');
  }

  /* Byte-level (GPT-2's table) */
  assert_decodes ("\xC4\xA0Hello", ARB_PIECES_BYTE_LEVEL, " Hello");          /* ĠHello */
  assert_decodes ("\xC4\x8A\xC4\x8A", ARB_PIECES_BYTE_LEVEL, "\n\n");           /* ĊĊ */
  assert_decodes ("\xC4\x89", ARB_PIECES_BYTE_LEVEL, "\t");                     /* ĉ */
  assert_decodes ("w\xC3\x83\xC2\xB6rld", ARB_PIECES_BYTE_LEVEL, "w\xC3\xB6rld"); /* wÃ¶rld */
  assert_decodes ("\xC3\xA2\xC4\xA2\xC4\xBF", ARB_PIECES_BYTE_LEVEL, "\xE2\x80\x9D"); /* âĢĿ: ” */
  assert_decodes ("\xC5\x83", ARB_PIECES_BYTE_LEVEL, "\xAD");                   /* Ń: 0xAD */
  assert_decodes ("<|eot_id|>", ARB_PIECES_BYTE_LEVEL, "<|eot_id|>");
  assert_decodes ("<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
                  ARB_PIECES_BYTE_LEVEL,
                  "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>");
  g_assert_null (decode_one ("a b", -1, ARB_PIECES_BYTE_LEVEL));               /* plain space */
  g_assert_null (decode_one ("\xC5\x84", -1, ARB_PIECES_BYTE_LEVEL));          /* ń, U+0144 */
  g_assert_null (decode_one ("\xE2\x96\x81x", -1, ARB_PIECES_BYTE_LEVEL));
  for (guint b = 0; b < 256; b++)
    {
      char buf[8];
      guint8 byte = b;
      gunichar c = arb_byte_level_char (byte);
      g_autoptr(GByteArray) out = g_byte_array_new ();
      int n = g_unichar_to_utf8 (c, buf);

      g_assert_cmpuint (c, >=, 0x21);
      g_assert_cmpuint (c, <=, 0x143);
      g_assert_true (arb_piece_decode (buf, n, ARB_PIECES_BYTE_LEVEL, out));
      g_assert_cmpuint (out->len, ==, 1);
      g_assert_cmpuint (out->data[0], ==, byte);
    }
  g_assert_cmpuint (arb_byte_level_char (' '), ==, 0x120);
  g_assert_cmpuint (arb_byte_level_char ('\n'), ==, 0x10A);
  g_assert_cmpuint (arb_byte_level_char ('A'), ==, 'A');
  g_assert_cmpuint (arb_byte_level_char (0xE9), ==, 0xE9);

  /* Text */
  assert_decodes ("\xE2\x96\x81 \xC4\xA0", ARB_PIECES_TEXT, "\xE2\x96\x81 \xC4\xA0");
  {
    g_autofree char *partial = decode_one ("\xF0\x9F", 2, ARB_PIECES_TEXT);

    g_assert_cmpstr (partial, ==, "\xF0\x9F");
  }
}

static void
test_pieces_guess (void)
{
  const char *const sp[] = { "<s>", "\xE2\x96\x81Hello", ",", "\xE2\x96\x81w", "<0xC3>", "<0xB6>",
                             "rld", NULL };
  const char *const sp_bytes[] = { "<0xF0>", "<0x9F>", "<0x98>", "<0x80>", NULL };
  const char *const bl[] = { "<|begin_of_text|>", "Hello", ",", "\xC4\xA0w", "\xC3\x83\xC2\xB6",
                             "rld", "\xC4\x8A", NULL };
  const char *const bl_high[] = { "caf", "\xC3\x83\xC2\xA9", NULL };        /* cafÃ© */
  const char *const text[] = { "Hello", ",", " w\xC3\xB6rld", "\n", NULL };
  const char *const text_latin[] = { "caf\xC3\xA9", NULL };                 /* café, as text */
  const char *const ascii[] = { "Hello", ",", NULL };
  const char *const empty[] = { NULL };

  g_assert_cmpint (arb_pieces_guess_encoding (sp), ==, ARB_PIECES_SENTENCEPIECE);
  g_assert_cmpint (arb_pieces_guess_encoding (sp_bytes), ==, ARB_PIECES_SENTENCEPIECE);
  g_assert_cmpint (arb_pieces_guess_encoding (bl), ==, ARB_PIECES_BYTE_LEVEL);
  g_assert_cmpint (arb_pieces_guess_encoding (bl_high), ==, ARB_PIECES_BYTE_LEVEL);
  g_assert_cmpint (arb_pieces_guess_encoding (text), ==, ARB_PIECES_TEXT);
  g_assert_cmpint (arb_pieces_guess_encoding (text_latin), ==, ARB_PIECES_TEXT);
  g_assert_cmpint (arb_pieces_guess_encoding (ascii), ==, ARB_PIECES_TEXT);
  g_assert_cmpint (arb_pieces_guess_encoding (empty), ==, ARB_PIECES_TEXT);

  assert_decodes ("\xC4\xA0w", ARB_PIECES_AUTO, " w");
  assert_decodes ("\xE2\x96\x81w", ARB_PIECES_AUTO, " w");
  assert_decodes (" w", ARB_PIECES_AUTO, " w");
}

int
main (int   argc,
      char *argv[])
{
  const char *env_seed;

  g_test_init (&argc, &argv, NULL);

  env_seed = g_getenv ("ARB_TEST_UNITS_SEED");
  if (env_seed != NULL)
    seed = (guint32) g_ascii_strtoull (env_seed, NULL, 10);
  g_test_message ("seed %u (set ARB_TEST_UNITS_SEED to change it)", seed);

  g_test_add_func ("/arbiter/units/offsets/roundtrip", test_offsets_roundtrip);
  g_test_add_func ("/arbiter/units/offsets/long", test_offsets_long);
  g_test_add_func ("/arbiter/units/cover/tokens", test_cover_tokens);
  g_test_add_func ("/arbiter/units/segment/properties", test_segment_properties);
  g_test_add_func ("/arbiter/units/segment/words", test_segment_words);
  g_test_add_func ("/arbiter/units/segment/characters", test_segment_characters);
  g_test_add_func ("/arbiter/units/segment/sentences", test_segment_sentences);
  g_test_add_func ("/arbiter/units/segment/lines", test_segment_lines);
  g_test_add_func ("/arbiter/units/segment/paragraphs", test_segment_paragraphs);
  g_test_add_func ("/arbiter/units/segment/steps", test_segment_steps);
  g_test_add_func ("/arbiter/units/segment/invalid", test_segment_invalid);
  g_test_add_func ("/arbiter/units/segment/speed", test_segment_speed);
  g_test_add_func ("/arbiter/units/kind-names", test_kind_names);
  g_test_add_func ("/arbiter/units/pieces/decode", test_piece_decode);
  g_test_add_func ("/arbiter/units/pieces/guess", test_pieces_guess);
  g_test_add_func ("/arbiter/units/align/properties", test_align_properties);
  g_test_add_func ("/arbiter/units/align/cases", test_align_cases);

  return g_test_run ();
}
