/* test-eval-units.c: offsets, units, token covers, piece decoding and token alignment
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Property tests on random text drawn from a pool of hard cases (combining marks, CJK,
 * right-to-left scripts, ZWJ emoji, flags, 4-byte characters, blank lines), with a fixed seed
 * printed in the output (ARB_TEST_UNITS_SEED overrides it), plus hand-written cases.
 */
#include <string.h>

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

      if (g_rand_int_range (rand, 0, 10) == 0)
        {
          r.start = r.end = pos;
          g_array_append_val (tokens, r);
        }
      r.start = pos;
      r.end = MIN (len, pos + g_rand_int_range (rand, 1, 7));
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
  g_test_add_func ("/arbiter/units/segment/speed", test_segment_speed);
  g_test_add_func ("/arbiter/units/kind-names", test_kind_names);

  return g_test_run ();
}
