/* test-judge-parse.c: templates, canonical requests and how replies become verdicts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json.h>

#include "arb-judge-template.h"
#include "arb-score-run.h"

typedef struct
{
  const char *text;
  gboolean    found;
  double      value;
  int         strength;
} Case;

static void
check_cases (ArbVerdictSyntax  syntax,
             const Case       *cases,
             guint             n)
{
  for (guint i = 0; i < n; i++)
    {
      double value = -1;
      int strength = -9;
      gboolean found = arb_judge_parse_text (syntax, cases[i].text, &value, &strength);

      g_test_message ("case %u: %s", i, cases[i].text ? cases[i].text : "(null)");
      g_assert_cmpint (found, ==, cases[i].found);
      if (found)
        {
          g_assert_cmpfloat (value, ==, cases[i].value);
          g_assert_cmpint (strength, ==, cases[i].strength);
        }
    }
}

static void
test_pairwise_5 (void)
{
  const Case cases[] = {
    { "My verdict: [[A>>B]]", TRUE, 0.0, 2 },
    { "[[A>B]]", TRUE, 0.0, 1 },
    { "It is a tie [[A=B]].", TRUE, 0.5, 0 },
    { "[[B>A]]", TRUE, 1.0, 1 },
    { "[[B>>A]]", TRUE, 1.0, 2 },
    /* The last match wins: the judge quotes the choices before it decides. */
    { "Options are [[A>>B]], [[A>B]], [[A=B]], [[B>A]], [[B>>A]]. Final: [[A>B]]", TRUE, 0.0, 1 },
    { "[[B>>A]] at first, but on reflection [[A=B]]", TRUE, 0.5, 0 },
    { "[[A>B]] [[[B>A]]", TRUE, 1.0, 1 },
    { "no verdict at all", FALSE, 0, 0 },
    { "[A>B] and [[A > B]] and [[a>b]]", FALSE, 0, 0 },
    { "[[A>B", FALSE, 0, 0 },
    { "", FALSE, 0, 0 },
    { NULL, FALSE, 0, 0 },
  };

  check_cases (ARB_VERDICT_PAIRWISE_5, cases, G_N_ELEMENTS (cases));
}

static void
test_pairwise_3 (void)
{
  const Case cases[] = {
    { "[[A]]", TRUE, 0.0, 1 },
    { "Reply B wins: [[B]]", TRUE, 1.0, 1 },
    { "[[C]]", TRUE, 0.5, 0 },
    { "Answer [[A]], [[B]] or [[C]]. I choose [[B]]", TRUE, 1.0, 1 },
    { "[[D]] [[A>B]]", FALSE, 0, 0 },
    { "A", FALSE, 0, 0 },
  };

  check_cases (ARB_VERDICT_PAIRWISE_3, cases, G_N_ELEMENTS (cases));
}

static void
test_grade (void)
{
  const Case cases[] = {
    { "Grade: [[7]]", TRUE, 7, -1 },
    { "[[1]]", TRUE, 1, -1 },
    { "[[10]]", TRUE, 10, -1 },
    { "Out of [[10]], I give [[4]]", TRUE, 4, -1 },
    { "[[4]] then [[11]]", TRUE, 4, -1 },     /* out of range: not a grade */
    { "[[0]]", FALSE, 0, 0 },
    { "[[100]]", FALSE, 0, 0 },
    { "[[7.5]]", FALSE, 0, 0 },
    { "[[ 7 ]]", FALSE, 0, 0 },
    { "seven", FALSE, 0, 0 },
  };

  check_cases (ARB_VERDICT_GRADE_10, cases, G_N_ELEMENTS (cases));
}

static ArbJudgeTemplate *
load (const char *name)
{
  g_autoptr(GError) error = NULL;
  ArbJudgeTemplate *tmpl = arb_judge_template_load (name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (tmpl);
  return tmpl;
}

static char *
response_with_logprobs (const char *content,
                        const char *logprobs)
{
  return g_strdup_printf ("{\"choices\": [{\"index\": 0, \"message\": {\"role\": \"assistant\", "
                          "\"content\": \"%s\"}, \"logprobs\": %s}]}", content, logprobs);
}

static void
test_logprob (void)
{
  g_autoptr(ArbJudgeTemplate) tmpl = load ("logprob-ab");
  const struct { const char *logprobs; gboolean found; double value; } cases[] = {
    /* P(A) = e^-1, P(B) = e^-2: p = e^-2 / (e^-1 + e^-2). */
    { "{\"content\": [{\"token\": \"A\", \"logprob\": -1, \"top_logprobs\": ["
      "{\"token\": \"A\", \"logprob\": -1}, {\"token\": \"B\", \"logprob\": -2}]}]}",
      TRUE, exp (-2) / (exp (-1) + exp (-2)) },
    /* Tokens with spaces count as their letter, and add up. */
    { "{\"content\": [{\"token\": \" B\", \"logprob\": -0.5, \"top_logprobs\": ["
      "{\"token\": \" B\", \"logprob\": -0.5}, {\"token\": \"B\", \"logprob\": -3}, "
      "{\"token\": \"A\", \"logprob\": -1.5}]}]}",
      TRUE, (exp (-0.5) + exp (-3)) / (exp (-0.5) + exp (-3) + exp (-1.5)) },
    /* A label that is not listed has probability 0. */
    { "{\"content\": [{\"token\": \"A\", \"logprob\": -0.1, \"top_logprobs\": ["
      "{\"token\": \"A\", \"logprob\": -0.1}, {\"token\": \"The\", \"logprob\": -3}]}]}",
      TRUE, 0.0 },
    { "{\"content\": [{\"token\": \"B\", \"logprob\": -0.1, \"top_logprobs\": ["
      "{\"token\": \"B\", \"logprob\": -0.1}]}]}",
      TRUE, 1.0 },
    /* Neither: unparseable. */
    { "{\"content\": [{\"token\": \"The\", \"logprob\": -0.1, \"top_logprobs\": ["
      "{\"token\": \"The\", \"logprob\": -0.1}, {\"token\": \"AB\", \"logprob\": -1}]}]}",
      FALSE, 0 },
    { "{\"content\": []}", FALSE, 0 },
    { "null", FALSE, 0 },
    /* The completions API's older form. */
    { "{\"top_logprobs\": [{\"A\": -2, \"B\": -1}]}", TRUE, exp (-1) / (exp (-1) + exp (-2)) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *response = response_with_logprobs ("A", cases[i].logprobs);
      g_autofree char *text = NULL;
      double value = -1;
      int strength = -9;
      gboolean found = arb_judge_parse_response (tmpl, response, &value, &strength, &text);

      g_test_message ("logprob case %u", i);
      g_assert_cmpint (found, ==, cases[i].found);
      g_assert_cmpstr (text, ==, "A");
      if (found)
        {
          g_assert_cmpfloat_with_epsilon (value, cases[i].value, 1e-9);
          g_assert_cmpint (strength, ==, -1);
        }
    }
  /* No logprobs at all, and bodies that are not completions. */
  {
    double value;
    int strength;

    g_assert_false (arb_judge_parse_response (tmpl, "{\"choices\": [{\"message\": "
                                              "{\"content\": \"B\"}}]}", &value, &strength, NULL));
    g_assert_false (arb_judge_parse_response (tmpl, "not json", &value, &strength, NULL));
    g_assert_false (arb_judge_parse_response (tmpl, NULL, &value, &strength, NULL));
  }
}

static void
test_response (void)
{
  g_autoptr(ArbJudgeTemplate) tmpl = load ("pairwise-5");
  g_autofree char *text = NULL;
  double value = -1;
  int strength = -9;

  g_assert_true (arb_judge_parse_response (tmpl, "{\"choices\": [{\"message\": {\"role\": "
                                           "\"assistant\", \"content\": \"x [[B>>A]]\"}}]}",
                                           &value, &strength, &text));
  g_assert_cmpstr (text, ==, "x [[B>>A]]");
  g_assert_cmpfloat (value, ==, 1.0);
  g_assert_cmpint (strength, ==, 2);
  g_clear_pointer (&text, g_free);
  g_assert_false (arb_judge_parse_response (tmpl, "{\"choices\": []}", &value, &strength, &text));
  g_assert_null (text);
  g_assert_false (arb_judge_parse_response (tmpl, "{\"choices\": [{\"message\": {\"content\": "
                                            "null}}]}", &value, &strength, &text));
}

static void
test_fill (void)
{
  g_autofree char *s = arb_judge_template_fill ("Q={question} A={answer_a} B={answer_b} "
                                                "R={reference} {other}",
                                                "q {answer_b}", "a", "b {question}", NULL);

  /* Braces inside the values are never expanded again; unknown slots stay. */
  g_assert_cmpstr (s, ==, "Q=q {answer_b} A=a B=b {question} R= {other}");
}

static void
test_templates (void)
{
  const struct { const char *name; ArbVerdictSyntax verdict; gboolean reference; } shipped[] = {
    { "pairwise-5", ARB_VERDICT_PAIRWISE_5, FALSE },
    { "pairwise-3", ARB_VERDICT_PAIRWISE_3, FALSE },
    { "grade-10", ARB_VERDICT_GRADE_10, FALSE },
    { "reference-pairwise", ARB_VERDICT_PAIRWISE_5, TRUE },
    { "logprob-ab", ARB_VERDICT_LOGPROB, FALSE },
  };
  g_autoptr(GError) error = NULL;
  ArbJudgeTemplate *missing;

  for (guint i = 0; i < G_N_ELEMENTS (shipped); i++)
    {
      g_autoptr(ArbJudgeTemplate) tmpl = load (shipped[i].name);

      g_assert_cmpstr (tmpl->name, ==, shipped[i].name);
      g_assert_cmpint (tmpl->verdict, ==, shipped[i].verdict);
      g_assert_cmpint (tmpl->needs_reference, ==, shipped[i].reference);
      g_assert_nonnull (tmpl->system);
      g_assert_nonnull (strstr (tmpl->user, "{question}"));
      g_assert_cmpint (strlen (tmpl->sha256), ==, 64);
    }
  missing = arb_judge_template_load ("no-such-template", &error);
  g_assert_null (missing);
  g_assert_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_TEMPLATE);
  g_clear_error (&error);
  missing = arb_judge_template_new_from_data ("bad.ini", "[judge]\nuser=x\nverdict=nope\n", -1 +
                                              sizeof "[judge]\nuser=x\nverdict=nope\n", &error);
  g_assert_null (missing);
  g_assert_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_TEMPLATE);
}

static void
test_request (void)
{
  g_autoptr(ArbJudgeTemplate) tmpl = load ("pairwise-5");
  g_autoptr(ArbJudgeTemplate) lp = load ("logprob-ab");
  g_autofree char *b0 = arb_judge_template_build (tmpl, "m", "q", "x", "y", NULL, 0, NULL);
  g_autofree char *b0again = arb_judge_template_build (tmpl, "m", "q", "x", "y", NULL, 0, NULL);
  g_autofree char *b1 = arb_judge_template_build (tmpl, "m", "q", "x", "y", NULL, 1, NULL);
  g_autofree char *swapped = arb_judge_template_build (tmpl, "m", "q", "y", "x", NULL, 0, NULL);
  g_autofree char *blp = arb_judge_template_build (lp, "m", "q", "x", "y", NULL, 0, NULL);
  g_autofree char *k0 = arb_judge_request_key (b0, 0);
  g_autofree char *k0again = arb_judge_request_key (b0again, 0);
  g_autofree char *k1 = arb_judge_request_key (b1, 1);
  g_autofree char *identity = arb_judge_template_identity (tmpl, "m");
  json_object *root = json_tokener_parse (b0), *v;

  /* The same question is the same key; a sample or another order is another. */
  g_assert_cmpstr (b0, ==, b0again);
  g_assert_cmpstr (k0, ==, k0again);
  g_assert_cmpint (strlen (k0), ==, 64);
  g_assert_cmpstr (k0, !=, k1);
  g_assert_cmpstr (b0, !=, swapped);
  g_assert_null (strstr (b0, "seed"));
  g_assert_nonnull (strstr (b1, "\"seed\":1"));
  g_assert_nonnull (strstr (blp, "\"logprobs\":true"));
  g_assert_nonnull (strstr (blp, "\"top_logprobs\":10"));

  g_assert_nonnull (root);
  g_assert_true (json_object_object_get_ex (root, "model", &v));
  g_assert_cmpstr (json_object_get_string (v), ==, "m");
  g_assert_true (json_object_object_get_ex (root, "messages", &v));
  g_assert_cmpint (json_object_array_length (v), ==, 2);
  json_object_put (root);

  g_assert_nonnull (strstr (identity, tmpl->sha256));
  g_assert_null (strstr (identity, "http"));
}

static void
test_endpoint_url (void)
{
  const char *cases[][2] = {
    { "http://h:8000", "http://h:8000/v1/chat/completions" },
    { "http://h:8000/", "http://h:8000/v1/chat/completions" },
    { "http://h:8000/v1", "http://h:8000/v1/chat/completions" },
    { "http://h:8000/v1/", "http://h:8000/v1/chat/completions" },
    { "https://api.example.org/v1/chat/completions", "https://api.example.org/v1/chat/completions" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *url = arb_judge_endpoint_url (cases[i][0]);

      g_assert_cmpstr (url, ==, cases[i][1]);
    }
}

static void
test_score (void)
{
  const struct { ArbScoreApi api; const char *body; gboolean found; double score; } cases[] = {
    { ARB_SCORE_API_POOLING, "{\"data\": [{\"index\": 0, \"data\": [1.5]}]}", TRUE, 1.5 },
    { ARB_SCORE_API_POOLING, "{\"data\": [{\"data\": -2}]}", TRUE, -2 },
    /* Per-token rewards: the last token's is the sequence's. */
    { ARB_SCORE_API_POOLING, "{\"data\": [{\"data\": [[0.1], [0.2], [0.7]]}]}", TRUE, 0.7 },
    { ARB_SCORE_API_POOLING, "{\"data\": []}", FALSE, 0 },
    { ARB_SCORE_API_POOLING, "{\"data\": [{\"data\": []}]}", FALSE, 0 },
    { ARB_SCORE_API_POOLING, "{\"data\": [{\"data\": [\"x\"]}]}", FALSE, 0 },
    { ARB_SCORE_API_CLASSIFY, "{\"data\": [{\"probs\": [0.25, 0.75]}]}", TRUE, 0.75 },
    { ARB_SCORE_API_CLASSIFY, "{\"data\": [{\"label\": \"x\"}]}", FALSE, 0 },
    { ARB_SCORE_API_TEI, "[{\"score\": 3.25, \"label\": \"LABEL_0\"}]", TRUE, 3.25 },
    { ARB_SCORE_API_TEI, "[[{\"score\": -1, \"label\": \"LABEL_0\"}]]", TRUE, -1 },
    { ARB_SCORE_API_TEI, "[{\"score\": 0.9, \"label\": \"LABEL_0\"}, "
                         "{\"score\": 0.1, \"label\": \"LABEL_1\"}]", TRUE, 0.1 },
    { ARB_SCORE_API_TEI, "[{\"score\": 0.9, \"label\": \"A\"}, {\"score\": 0.1, \"label\": \"B\"}]",
      FALSE, 0 },
    { ARB_SCORE_API_TEI, "[]", FALSE, 0 },
    { ARB_SCORE_API_TEI, "{\"error\": \"x\"}", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      double score = -99;

      g_test_message ("score case %u: %s", i, cases[i].body);
      g_assert_cmpint (arb_score_parse_response (cases[i].api, cases[i].body, &score), ==,
                       cases[i].found);
      if (cases[i].found)
        g_assert_cmpfloat (score, ==, cases[i].score);
    }
  {
    g_autofree char *u1 = arb_score_endpoint_url ("http://h:8000/v1/", ARB_SCORE_API_POOLING);
    g_autofree char *u2 = arb_score_endpoint_url ("http://h:8000", ARB_SCORE_API_TEI);
    g_autofree char *u3 = arb_score_endpoint_url ("http://h/x/classify", ARB_SCORE_API_CLASSIFY);
    g_autofree char *pool = arb_score_build_request (ARB_SCORE_API_POOLING, "rm",
                                                     "[{\"role\": \"user\", \"content\": \"q\"}]",
                                                     "q", "r");
    g_autofree char *tei = arb_score_build_request (ARB_SCORE_API_TEI, "rm", NULL, "q", "r");

    g_assert_cmpstr (u1, ==, "http://h:8000/pooling");
    g_assert_cmpstr (u2, ==, "http://h:8000/predict");
    g_assert_cmpstr (u3, ==, "http://h/x/classify");
    g_assert_cmpstr (pool, ==, "{\"model\":\"rm\",\"messages\":[{\"role\":\"user\",\"content\":"
                     "\"q\"},{\"role\":\"assistant\",\"content\":\"r\"}]}");
    g_assert_cmpstr (tei, ==, "{\"inputs\":[[\"q\",\"r\"]],\"raw_scores\":true,\"truncate\":true}");
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/arbiter/judge-parse/pairwise-5", test_pairwise_5);
  g_test_add_func ("/arbiter/judge-parse/pairwise-3", test_pairwise_3);
  g_test_add_func ("/arbiter/judge-parse/grade", test_grade);
  g_test_add_func ("/arbiter/judge-parse/logprob", test_logprob);
  g_test_add_func ("/arbiter/judge-parse/response", test_response);
  g_test_add_func ("/arbiter/judge-parse/fill", test_fill);
  g_test_add_func ("/arbiter/judge-parse/templates", test_templates);
  g_test_add_func ("/arbiter/judge-parse/request", test_request);
  g_test_add_func ("/arbiter/judge-parse/endpoint-url", test_endpoint_url);
  g_test_add_func ("/arbiter/judge-parse/score", test_score);
  return g_test_run ();
}
