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

  return g_test_run ();
}
