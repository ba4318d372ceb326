/* arb-bench-data.c: synthetic `arbiter` records for the import benchmark and the concurrency test
 *
 * The text is made of common English words with a sprinkling of non-ASCII words (accents, Greek,
 * Cyrillic, CJK, emoji, typographic punctuation), numbered lists and code blocks with quotes,
 * backslashes and tabs, so the JSON has the escapes real data has. A quarter of the records are
 * written with \u escapes for everything outside ASCII (surrogate pairs for emoji), as Python's
 * json.dumps writes by default. A record is about 2 KB.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "arb-bench-data.h"

/* ---- A small, fast, portable PRNG (SplitMix64, Steele, Lea and Flood 2014) ---------------- */

typedef struct
{
  guint64 state;
} Rng;

static guint64
rng_next (Rng *rng)
{
  guint64 z = (rng->state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* A uniform integer in [0, n), by Lemire's multiply-shift (bias negligible for small n). */
static guint
rng_below (Rng  *rng,
           guint n)
{
  return (guint) (((rng_next (rng) >> 32) * (guint64) n) >> 32);
}

static guint
rng_range (Rng  *rng,
           guint lo,
           guint hi)
{
  return lo + rng_below (rng, hi - lo + 1);
}

/* ---- Vocabulary ---------------------------------------------------------------------------- */

static const char *const words[] = {
  "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "with", "was", "on", "be",
  "at", "by", "this", "had", "not", "are", "but", "from", "or", "have", "an", "they", "which",
  "one", "you", "were", "all", "we", "when", "there", "can", "more", "if", "no", "out", "so",
  "said", "what", "up", "its", "about", "into", "than", "them", "only", "other", "new", "some",
  "could", "time", "these", "two", "may", "first", "then", "do", "any", "like", "my", "now",
  "over", "such", "our", "man", "me", "even", "most", "made", "after", "also", "did", "many",
  "before", "must", "through", "back", "years", "where", "much", "your", "way", "well", "down",
  "should", "because", "each", "just", "those", "people", "how", "too", "little", "state",
  "good", "very", "make", "world", "still", "own", "see", "work", "long", "get", "here",
  "between", "both", "life", "being", "under", "never", "day", "same", "another", "know",
  "while", "last", "might", "us", "great", "old", "year", "off", "come", "since", "against",
  "go", "came", "right", "used", "take", "three", "function", "value", "memory", "thread",
  "database", "query", "index", "model", "answer", "question", "example", "result", "error",
  "string", "number", "list", "array", "pointer", "buffer", "network", "server", "client",
  "request", "response", "recipe", "history", "energy", "climate", "market", "budget", "river",
  "mountain", "garden", "music", "language", "grammar", "poem", "story", "character", "theorem",
  "proof", "integral", "probability", "variance", "estimate", "sample", "average", "policy",
  "contract", "patient", "symptom", "treatment", "protein", "molecule", "electron", "planet",
  "orbit", "telescope", "algorithm", "complexity", "recursion", "compiler", "variable",
  "however", "therefore", "usually", "carefully", "quickly", "roughly", "exactly", "simply",
  "important", "different", "possible", "available", "likely", "similar", "common", "clear",
};

/* A few percent of the words: what makes the UTF-8 paths of a reader and a writer work. */
static const char *const exotic[] = {
  "café", "naïve", "résumé", "Zürich", "Straße", "São Paulo", "Kraków", "façade", "coöperate",
  "Ελληνικά", "λόγος", "Москва", "пример", "東京", "日本語の文章", "中文", "数据库", "한국어",
  "العربية", "עברית", "हिन्दी", "—", "…", "“quoted”", "‘single’", "«guillemets»", "€12", "£7",
  "±0.5", "20 °C", "x²", "π", "√2", "→", "≤", "∑", "🙂", "👍", "🚀", "🤔", "✓",
};

static const char *const prompt_openings[] = {
  "Explain", "Write a short story about", "How do I", "Summarise the following:",
  "What is the difference between", "Give me three ideas for", "Translate into plain English:",
  "Why does", "Compare", "Write a Python function that", "Can you help me understand",
  "Draft an email about", "List the pros and cons of", "Is it true that", "Describe",
};

static const char *const response_openings[] = {
  "Sure!", "Certainly.", "Here is an overview.", "Good question.", "In short:",
  "Let me explain.", "", "", "", "Great idea!", "Of course.",
};

static const char *const code_snippets[] = {
  "```python\ndef double(values):\n    \"\"\"Return every value twice.\"\"\"\n"
  "    return [v * 2 for v in values]\n\nprint(double([1, 2, 3]))  # [2, 4, 6]\n```",
  "```c\n#include <stdio.h>\n\nint\nmain (void)\n{\n  printf (\"%s\\t%d\\n\", \"tab\", 42);\n"
  "  return 0;\n}\n```",
  "```bash\nfind . -name '*.jsonl' -print0 | xargs -0 wc -l\necho \"done: $?\"\n```",
  "```sql\nSELECT name, count(*) AS n\nFROM verdicts\nWHERE preference > 0.5\nGROUP BY name;\n```",
  "```js\nconst re = /\\d+\\.\\d+/g;\nconsole.log(\"1.5 and 2.25\".match(re));\n```",
  "Use a raw string for Windows paths: r\"C:\\Users\\data\\file.txt\".",
  "```json\n{\"key\": \"value\", \"list\": [1, 2, 3], \"nested\": {\"ok\": true}}\n```",
  "The formula is:\n\n\tE = m * c^2\n\nwhere c is the speed of light.",
};

static const char *const categories[] = {
  "coding", "writing", "math", "reasoning", "roleplay", "extraction", "stem", "humanities",
};

static const char *const systems[] = {
  "gpt-4o-2024-05-13", "claude-3-5-sonnet", "llama-3-70b-instruct", "mixtral-8x22b",
  "qwen2-72b-instruct", "gemma-2-27b-it", "mistral-large", "command-r-plus",
};

static const char *const raters[] = {
  "alice", "bob", "chen", "dmitri", "esra", "farah",
};

guint
arb_bench_n_systems (void)
{
  return G_N_ELEMENTS (systems);
}

const char *
arb_bench_system_name (guint i)
{
  g_return_val_if_fail (i < G_N_ELEMENTS (systems), NULL);
  return systems[i];
}

guint
arb_bench_n_raters (void)
{
  return G_N_ELEMENTS (raters);
}

const char *
arb_bench_rater_name (guint i)
{
  g_return_val_if_fail (i < G_N_ELEMENTS (raters), NULL);
  return raters[i];
}

#define PICK(rng, array) ((array)[rng_below ((rng), G_N_ELEMENTS (array))])

/* ---- Text ---------------------------------------------------------------------------------- */

static void
add_word (Rng     *rng,
          GString *out,
          gboolean capital)
{
  const char *w = rng_below (rng, 100) < 3 ? PICK (rng, exotic) : PICK (rng, words);

  if (capital && w[0] >= 'a' && w[0] <= 'z')
    {
      g_string_append_c (out, (char) (w[0] - 'a' + 'A'));
      g_string_append (out, w + 1);
    }
  else
    g_string_append (out, w);
}

static void
add_sentence (Rng     *rng,
              GString *out)
{
  guint n = rng_range (rng, 5, 18);
  guint end = rng_below (rng, 20);

  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      add_word (rng, out, i == 0);
      if (i + 1 < n && rng_below (rng, 12) == 0)
        g_string_append_c (out, ',');
    }
  g_string_append (out, end == 0 ? "!" : end < 3 ? "?" : ".");
}

static void
add_paragraph (Rng     *rng,
               GString *out)
{
  guint n = rng_range (rng, 2, 5);

  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      add_sentence (rng, out);
    }
}

static void
add_list (Rng     *rng,
          GString *out)
{
  guint n = rng_range (rng, 2, 5);

  g_string_append (out, "Here are the steps:\n");
  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (out, "%u. ", i + 1);
      add_sentence (rng, out);
      g_string_append_c (out, '\n');
    }
}

static void
make_response (Rng     *rng,
               GString *out)
{
  guint target = rng_range (rng, 380, 860);
  const char *opening = PICK (rng, response_openings);

  g_string_truncate (out, 0);
  if (*opening != '\0')
    {
      g_string_append (out, opening);
      g_string_append_c (out, ' ');
    }
  add_paragraph (rng, out);
  while (out->len < target)
    {
      guint kind = rng_below (rng, 100);

      g_string_append (out, "\n\n");
      if (kind < 12)
        add_list (rng, out);
      else if (kind < 20)
        g_string_append (out, PICK (rng, code_snippets));
      else
        add_paragraph (rng, out);
    }
  while (out->len > 0 && g_ascii_isspace (out->str[out->len - 1]))
    g_string_truncate (out, out->len - 1);
}

static void
make_prompt (Rng     *rng,
             guint64  index,
             GString *out)
{
  guint target = rng_range (rng, 120, 380);

  g_string_truncate (out, 0);
  g_string_append (out, PICK (rng, prompt_openings));
  while (out->len < target)
    {
      g_string_append_c (out, ' ');
      add_sentence (rng, out);
    }
  /* Random text almost never repeats; the index makes sure it never does. */
  g_string_append_printf (out, " (Request %" G_GUINT64_FORMAT ".)", index);
}

/* ---- Records ------------------------------------------------------------------------------- */

void
arb_bench_record_init (ArbBenchRecord *rec)
{
  memset (rec, 0, sizeof *rec);
  rec->prompt = g_string_sized_new (512);
  rec->texts[0] = g_string_sized_new (1536);
  rec->texts[1] = g_string_sized_new (1536);
}

void
arb_bench_record_clear (ArbBenchRecord *rec)
{
  if (rec->prompt != NULL)
    g_string_free (rec->prompt, TRUE);
  for (guint i = 0; i < 2; i++)
    if (rec->texts[i] != NULL)
      g_string_free (rec->texts[i], TRUE);
  memset (rec, 0, sizeof *rec);
}

/* Makes record @index of the data set of @seed; the same arguments always make the same record. */
void
arb_bench_record_make (ArbBenchRecord *rec,
                       guint64         seed,
                       guint64         index)
{
  Rng rng = { seed * G_GUINT64_CONSTANT (0xD1B54A32D192ED03) ^ index };
  guint s0, s1, p;

  rng_next (&rng);
  g_snprintf (rec->id, sizeof rec->id, "p%" G_GUINT64_FORMAT, index);
  rec->category = PICK (&rng, categories);
  s0 = rng_below (&rng, G_N_ELEMENTS (systems));
  s1 = (s0 + 1 + rng_below (&rng, G_N_ELEMENTS (systems) - 1)) % G_N_ELEMENTS (systems);
  rec->systems[0] = systems[s0];
  rec->systems[1] = systems[s1];
  rec->rater = PICK (&rng, raters);
  p = rng_below (&rng, 100);
  rec->preference = p < 45 ? 0.0 : p < 90 ? 1.0 : 0.5;
  rec->strength = rec->preference == 0.5 ? 0 : 1;
  rec->presented = rng_below (&rng, 2) ? "ab" : "ba";
  rec->ascii_only = rng_below (&rng, 4) == 0;
  make_prompt (&rng, index, rec->prompt);
  make_response (&rng, rec->texts[0]);
  do
    make_response (&rng, rec->texts[1]);
  while (g_string_equal (rec->texts[0], rec->texts[1]));
}

/* JSON string escaping as json-c writes it with JSON_C_TO_STRING_NOSLASHESCAPE (so that the
 * canonical prompt JSON made here has the bytes the importer makes), or with every non-ASCII
 * character as \uXXXX when @ascii_only. */
void
arb_bench_json_escape (GString    *out,
                       const char *text,
                       gsize       len,
                       gboolean    ascii_only)
{
  static const char hex[] = "0123456789abcdef";
  const char *p = text, *end = text + len;

  while (p < end)
    {
      const char *run = p;
      guchar c;

      while (p < end && (guchar) *p >= 0x20 && *p != '"' && *p != '\\' &&
             (!ascii_only || (guchar) *p < 0x80))
        p++;
      if (p > run)
        g_string_append_len (out, run, p - run);
      if (p >= end)
        break;

      c = (guchar) *p;
      if (c >= 0x80)
        {
          gunichar u = g_utf8_get_char (p);

          if (u >= 0x10000)
            {
              gunichar v = u - 0x10000;

              g_string_append_printf (out, "\\u%04x\\u%04x", 0xD800 + (v >> 10),
                                      0xDC00 + (v & 0x3FF));
            }
          else
            g_string_append_printf (out, "\\u%04x", u);
          p = g_utf8_next_char (p);
          continue;
        }
      switch (c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        default:
          g_string_append (out, "\\u00");
          g_string_append_c (out, hex[c >> 4]);
          g_string_append_c (out, hex[c & 0xF]);
          break;
        }
      p++;
    }
}

static void
append_string (GString    *out,
               const char *text,
               gsize       len,
               gboolean    ascii_only)
{
  g_string_append_c (out, '"');
  arb_bench_json_escape (out, text, len, ascii_only);
  g_string_append_c (out, '"');
}

/* Appends the record as one line of the `arbiter` format, newline included. */
void
arb_bench_record_to_json (const ArbBenchRecord *rec,
                          GString              *out)
{
  g_string_append (out, "{\"id\": ");
  append_string (out, rec->id, strlen (rec->id), FALSE);
  g_string_append (out, ", \"prompt\": ");
  append_string (out, rec->prompt->str, rec->prompt->len, rec->ascii_only);
  g_string_append (out, ", \"category\": ");
  append_string (out, rec->category, strlen (rec->category), FALSE);
  g_string_append (out, ", \"responses\": [");
  for (guint i = 0; i < 2; i++)
    {
      g_string_append (out, i == 0 ? "{\"system\": " : ", {\"system\": ");
      append_string (out, rec->systems[i], strlen (rec->systems[i]), FALSE);
      g_string_append (out, ", \"text\": ");
      append_string (out, rec->texts[i]->str, rec->texts[i]->len, rec->ascii_only);
      g_string_append_c (out, '}');
    }
  g_string_append (out, "], \"verdicts\": [{\"rater\": ");
  append_string (out, rec->rater, strlen (rec->rater), FALSE);
  g_string_append_printf (out, ", \"a\": 0, \"b\": 1, \"preference\": %.1f, "
                          "\"presented\": \"%s\"}]}\n", rec->preference, rec->presented);
}

/* The canonical messages JSON the importer stores for the record's prompt (see
 * _arb_json_messages in db/arb-import.c): [{"role":"user","content":...}]. */
char *
arb_bench_prompt_messages (const ArbBenchRecord *rec)
{
  GString *out = g_string_sized_new (rec->prompt->len + 64);

  g_string_append (out, "[{\"role\":\"user\",\"content\":");
  append_string (out, rec->prompt->str, rec->prompt->len, FALSE);
  g_string_append (out, "}]");
  return g_string_free (out, FALSE);
}

static guint
index_of (const char *const *names,
          guint              n,
          const char        *name)
{
  for (guint i = 0; i < n; i++)
    if (names[i] == name)
      return i;
  g_assert_not_reached ();
  return 0;
}

/* Writes records first_index .. first_index + n_records - 1 to @path, one a line, streaming:
 * memory use does not grow with the file. */
gboolean
arb_bench_data_write (const char           *path,
                      guint64               seed,
                      guint64               first_index,
                      guint64               n_records,
                      ArbBenchDataFlags     flags,
                      ArbBenchDataSummary  *out_summary,
                      GError              **error)
{
  ArbBenchDataSummary summary = { 0 };
  ArbBenchRecord rec;
  g_autoptr(GString) line = g_string_sized_new (4096);
  FILE *file;
  int saved_errno;

  file = g_fopen (path, "we");
  if (file == NULL)
    {
      saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno), "%s: %s", path,
                   g_strerror (saved_errno));
      return FALSE;
    }
  setvbuf (file, NULL, _IOFBF, 1 << 20);

  arb_bench_record_init (&rec);
  for (guint64 i = 0; i < n_records; i++)
    {
      arb_bench_record_make (&rec, seed, first_index + i);
      if (flags & ARB_BENCH_DATA_ASCII)
        rec.ascii_only = TRUE;
      g_string_truncate (line, 0);
      arb_bench_record_to_json (&rec, line);
      if (fwrite (line->str, 1, line->len, file) != line->len)
        break;
      summary.records++;
      summary.bytes += line->len;
      for (guint j = 0; j < 2; j++)
        summary.systems_mask |= 1u << index_of (systems, G_N_ELEMENTS (systems), rec.systems[j]);
      summary.raters_mask |= 1u << index_of (raters, G_N_ELEMENTS (raters), rec.rater);
    }
  arb_bench_record_clear (&rec);

  saved_errno = ferror (file) ? errno : 0;
  if (fclose (file) != 0 && saved_errno == 0)
    saved_errno = errno;
  if (saved_errno != 0 || summary.records != n_records)
    {
      if (saved_errno == 0)
        saved_errno = EIO;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "%s: writing failed: %s", path, g_strerror (saved_errno));
      return FALSE;
    }
  if (out_summary != NULL)
    *out_summary = summary;
  return TRUE;
}
