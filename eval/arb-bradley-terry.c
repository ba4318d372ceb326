/* arb-bradley-terry.c: Bradley-Terry ratings on collapsed battles, bootstrap CIs, online Elo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model (Bradley & Terry 1952, as fitted by Chatbot Arena and Arena-Hard's compute_mle_elo):
 * P(i beats j) = σ(ln 10 · (r_i − r_j)), rating_i = 400·r_i + 1000, then shifted so the anchor
 * has 1000. A tie counts as half a win for each side. The estimate minimises the mean log-loss
 * over the battles (Arena-Hard's weighted logistic regression, divided by its total weight),
 * optionally plus λ/2·Σr², by Newton's method with a backtracking line search. The formulas are
 * in docs/statistics.md.
 */
#include "arb-eval.h"

#include <math.h>
#include <string.h>

#define LN10 2.302585092994045684

struct _ArbBattleTable
{
  guint       n_systems;
  guint64     total;
  /* Open addressing with linear probing: key (a << 32 | b) + 1 with a < b (0 = empty), and the
   * pair's index. A million battles are a million lookups; GHashTable's boxed 64-bit keys cost
   * a call and a pointer chase each. */
  guint64    *keys;
  guint32    *slots;
  gsize       capacity;  /* a power of two */
  GArray     *pairs;     /* Pair */
};

typedef struct
{
  guint   a;          /* a < b */
  guint   b;
  guint64 counts[3];  /* a won, tie, b won */
} Pair;

static inline gsize
probe_start (guint64 key,
             gsize   capacity)
{
  key ^= key >> 33;
  key *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  key ^= key >> 33;
  return (gsize) key & (capacity - 1);
}

/* The pair index of (a, b), a < b, or -1. */
static gint64
table_find (const ArbBattleTable *table,
            guint                 a,
            guint                 b)
{
  guint64 key = ((guint64) a << 32 | b) + 1;

  for (gsize i = probe_start (key, table->capacity);; i = (i + 1) & (table->capacity - 1))
    {
      if (table->keys[i] == key)
        return table->slots[i];
      if (table->keys[i] == 0)
        return -1;
    }
}

static void
table_insert (ArbBattleTable *table,
              guint64         key,
              guint32         slot)
{
  gsize i = probe_start (key, table->capacity);

  while (table->keys[i] != 0)
    i = (i + 1) & (table->capacity - 1);
  table->keys[i] = key;
  table->slots[i] = slot;
}

/**
 * arb_battle_table_new:
 * @n_systems: how many systems the indices run over
 *
 * Returns: (transfer full): an empty table
 */
ArbBattleTable *
arb_battle_table_new (guint n_systems)
{
  ArbBattleTable *table = g_new0 (ArbBattleTable, 1);

  table->n_systems = n_systems;
  table->capacity = 64;
  table->keys = g_new0 (guint64, table->capacity);
  table->slots = g_new (guint32, table->capacity);
  table->pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
  return table;
}

void
arb_battle_table_free (ArbBattleTable *table)
{
  if (table == NULL)
    return;
  g_free (table->keys);
  g_free (table->slots);
  g_array_unref (table->pairs);
  g_free (table);
}

/**
 * arb_battle_table_add:
 * @table: a table
 * @a: a system index
 * @b: another system index
 * @outcome: the outcome, seen as a against b
 * @count: how many such battles
 *
 * Returns: %FALSE when an index is out of range or @a = @b.
 */
gboolean
arb_battle_table_add (ArbBattleTable *table,
                      guint           a,
                      guint           b,
                      ArbOutcome      outcome,
                      guint64         count)
{
  gint64 found;
  Pair *pair;

  g_return_val_if_fail (table != NULL, FALSE);
  g_return_val_if_fail (outcome <= ARB_OUTCOME_B, FALSE);

  if (a >= table->n_systems || b >= table->n_systems || a == b)
    return FALSE;
  if (count == 0)
    return TRUE;
  if (a > b)
    {
      guint t = a;
      a = b;
      b = t;
      outcome = ARB_OUTCOME_B - outcome;
    }
  found = table_find (table, a, b);
  if (found < 0)
    {
      Pair fresh = { a, b, { 0, 0, 0 } };

      /* Grow at half full, rehashing every key. */
      if (2 * (table->pairs->len + 1) > table->capacity)
        {
          guint64 *old_keys = table->keys;
          guint32 *old_slots = table->slots;
          gsize old_capacity = table->capacity;

          table->capacity *= 2;
          table->keys = g_new0 (guint64, table->capacity);
          table->slots = g_new (guint32, table->capacity);
          for (gsize i = 0; i < old_capacity; i++)
            if (old_keys[i] != 0)
              table_insert (table, old_keys[i], old_slots[i]);
          g_free (old_keys);
          g_free (old_slots);
        }
      found = table->pairs->len;
      g_array_append_val (table->pairs, fresh);
      table_insert (table, ((guint64) a << 32 | b) + 1, (guint32) found);
    }
  pair = &g_array_index (table->pairs, Pair, found);
  pair->counts[outcome] += count;
  table->total += count;
  return TRUE;
}

/**
 * arb_battle_table_add_battles:
 * @table: a table
 * @battles: (array length=n_battles): battles
 * @n_battles: how many
 *
 * Returns: %FALSE when a battle was out of range (the others are still added).
 */
gboolean
arb_battle_table_add_battles (ArbBattleTable  *table,
                              const ArbBattle *battles,
                              gsize            n_battles)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (table != NULL, FALSE);
  g_return_val_if_fail (battles != NULL || n_battles == 0, FALSE);

  for (gsize i = 0; i < n_battles; i++)
    {
      if (battles[i].outcome > ARB_OUTCOME_B ||
          !arb_battle_table_add (table, battles[i].a, battles[i].b, battles[i].outcome, 1))
        ok = FALSE;
    }
  return ok;
}

guint
arb_battle_table_get_n_systems (const ArbBattleTable *table)
{
  g_return_val_if_fail (table != NULL, 0);
  return table->n_systems;
}

guint64
arb_battle_table_get_total (const ArbBattleTable *table)
{
  g_return_val_if_fail (table != NULL, 0);
  return table->total;
}

/* How many battles of @a against @b ended in @outcome (seen from @a). */
guint64
arb_battle_table_get_count (const ArbBattleTable *table,
                            guint                 a,
                            guint                 b,
                            ArbOutcome            outcome)
{
  gint64 found;

  g_return_val_if_fail (table != NULL, 0);
  g_return_val_if_fail (outcome <= ARB_OUTCOME_B, 0);

  if (a == b)
    return 0;
  if (a > b)
    {
      guint t = a;
      a = b;
      b = t;
      outcome = ARB_OUTCOME_B - outcome;
    }
  found = table_find (table, a, b);
  if (found < 0)
    return 0;
  return g_array_index (table->pairs, Pair, found).counts[outcome];
}

/* Pairs that met, in the order they first met. */
guint
arb_battle_table_get_n_pairs (const ArbBattleTable *table)
{
  g_return_val_if_fail (table != NULL, 0);
  return table->pairs->len;
}

/**
 * arb_battle_table_get_pair:
 * @table: a table
 * @index: a pair index below arb_battle_table_get_n_pairs()
 * @a: (out): the smaller system index
 * @b: (out): the larger system index
 * @counts: (out caller-allocates): a won, tie, b won
 */
gboolean
arb_battle_table_get_pair (const ArbBattleTable *table,
                           guint                 index,
                           guint                *a,
                           guint                *b,
                           guint64               counts[3])
{
  const Pair *pair;

  g_return_val_if_fail (table != NULL, FALSE);

  if (index >= table->pairs->len)
    return FALSE;
  pair = &g_array_index (table->pairs, Pair, index);
  if (a)
    *a = pair->a;
  if (b)
    *b = pair->b;
  if (counts)
    memcpy (counts, pair->counts, sizeof pair->counts);
  return TRUE;
}

void
arb_bt_options_init (ArbBtOptions *options)
{
  g_return_if_fail (options != NULL);
  *options = (ArbBtOptions) { .anchor = 0, .ridge = -1, .tolerance = 1e-10, .max_iterations = 200 };
}

void
arb_bootstrap_options_init (ArbBootstrapOptions *options)
{
  g_return_if_fail (options != NULL);
  *options = (ArbBootstrapOptions) { .rounds = 1000, .seed = 0, .ci = 0.95, .n_threads = 0 };
}

/* ---- the problem on the active systems ---------------------------------------------------- */

typedef struct
{
  guint   n_systems;
  guint   m;         /* active systems (at least one battle) */
  guint  *active;    /* active index → system */
  gint   *slot;      /* system → active index, or -1 */
  guint   anchor;    /* active index of the anchor */
  guint   n_pairs;
  guint  *pi;        /* active index of the pair's smaller system */
  guint  *pj;
  double  total;     /* N, battles */
} Problem;

static void
problem_clear (Problem *p)
{
  g_free (p->active);
  g_free (p->slot);
  g_free (p->pi);
  g_free (p->pj);
}

/* Fills @p and the pair scores: s = wins of pi + ties/2, n = battles of the pair. */
static gboolean
problem_init (Problem              *p,
              const ArbBattleTable *table,
              guint                 anchor,
              double              **s_out,
              double              **n_out,
              GError              **error)
{
  guint n_pairs = table->pairs->len;
  double *s, *n;

  memset (p, 0, sizeof *p);
  if (table->total == 0)
    {
      g_set_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_EMPTY, "no battles");
      return FALSE;
    }
  if (anchor >= table->n_systems)
    {
      g_set_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_INVALID,
                   "anchor %u is not a system (there are %u)", anchor, table->n_systems);
      return FALSE;
    }
  p->n_systems = table->n_systems;
  p->slot = g_new (gint, table->n_systems);
  for (guint i = 0; i < table->n_systems; i++)
    p->slot[i] = -1;
  for (guint k = 0; k < n_pairs; k++)
    {
      const Pair *pair = &g_array_index (table->pairs, Pair, k);
      p->slot[pair->a] = p->slot[pair->b] = 0;
    }
  p->active = g_new (guint, table->n_systems);
  for (guint i = 0; i < table->n_systems; i++)
    if (p->slot[i] == 0)
      {
        p->slot[i] = p->m;
        p->active[p->m++] = i;
      }
  if (p->slot[anchor] < 0)
    {
      g_set_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_INVALID,
                   "the anchor system %u has no battles", anchor);
      problem_clear (p);
      return FALSE;
    }
  p->anchor = p->slot[anchor];
  p->n_pairs = n_pairs;
  p->pi = g_new (guint, n_pairs);
  p->pj = g_new (guint, n_pairs);
  s = g_new (double, n_pairs);
  n = g_new (double, n_pairs);
  for (guint k = 0; k < n_pairs; k++)
    {
      const Pair *pair = &g_array_index (table->pairs, Pair, k);

      p->pi[k] = p->slot[pair->a];
      p->pj[k] = p->slot[pair->b];
      s[k] = pair->counts[ARB_OUTCOME_A] + 0.5 * pair->counts[ARB_OUTCOME_TIE];
      n[k] = (double) (pair->counts[0] + pair->counts[1] + pair->counts[2]);
    }
  p->total = (double) table->total;
  *s_out = s;
  *n_out = n;
  return TRUE;
}

/* Zermelo's and Ford's (1957) condition for a finite MLE: the digraph "i won or tied against j"
 * on the active systems is strongly connected. Two searches from system 0, one along the edges
 * and one against them. @work needs CONNECT_WORK (m, n_pairs) guints: each pair gives up to
 * two edges. */
#define CONNECT_WORK(m, n_pairs) (4 * (gsize) (m) + 4 * (gsize) (n_pairs) + 2)

static gboolean
strongly_connected (const Problem *p,
                    const double  *s,
                    const double  *n,
                    guint         *work)
{
  guint m = p->m;
  guint *start = work;               /* m + 1 */
  guint *adj = start + m + 1;        /* 2 · n_pairs */
  guint *stack = adj + 2 * p->n_pairs;  /* m */
  guint *seen = stack + m;           /* m */
  guint *rstart = seen + m;          /* m + 1 */
  guint *radj = rstart + m + 1;      /* 2 · n_pairs */

  if (m <= 1)
    return TRUE;
  for (int dir = 0; dir < 2; dir++)
    {
      guint *st = dir == 0 ? start : rstart;
      guint *ad = dir == 0 ? adj : radj;
      guint top = 0, reached = 1;

      memset (st, 0, (m + 1) * sizeof (guint));
      /* An edge from → to: "from" scored against "to" (dir 0), reversed for dir 1. */
      for (int pass = 0; pass < 2; pass++)
        {
          for (guint k = 0; k < p->n_pairs; k++)
            for (int side = 0; side < 2; side++)
              {
                gboolean scored = side == 0 ? s[k] > 0 : n[k] - s[k] > 0;
                guint from = side == 0 ? p->pi[k] : p->pj[k];
                guint to = side == 0 ? p->pj[k] : p->pi[k];

                if (!scored || n[k] <= 0)
                  continue;
                if (dir == 1)
                  {
                    guint t = from;
                    from = to;
                    to = t;
                  }
                if (pass == 0)
                  st[from + 1]++;
                else
                  ad[st[from]++] = to;
              }
          if (pass == 0)
            for (guint i = 0; i < m; i++)
              st[i + 1] += st[i];
        }
      /* After the fill st[i] is the end of i's list, which is the start of i + 1's. */
      memset (seen, 0, m * sizeof (guint));
      seen[0] = 1;
      stack[top++] = 0;
      while (top > 0)
        {
          guint v = stack[--top];
          guint from = v == 0 ? 0 : st[v - 1];

          for (guint e = from; e < st[v]; e++)
            if (!seen[ad[e]])
              {
                seen[ad[e]] = 1;
                reached++;
                stack[top++] = ad[e];
              }
        }
      if (reached < m)
        return FALSE;
    }
  return TRUE;
}

static inline double
softplus (double x)
{
  return x > 0 ? x + log1p (exp (-x)) : log1p (exp (x));
}

/* The mean log-loss (without penalty) at r. */
static double
mean_log_loss (const Problem *p,
               const double  *s,
               const double  *n,
               const double  *r)
{
  double f = 0;

  for (guint k = 0; k < p->n_pairs; k++)
    {
      double z;

      if (n[k] <= 0)
        continue;
      z = LN10 * (r[p->pi[k]] - r[p->pj[k]]);
      f += s[k] * softplus (-z) + (n[k] - s[k]) * softplus (z);
    }
  return f / p->total;
}

static double
objective (const Problem *p,
           const double  *s,
           const double  *n,
           double         ridge,
           const double  *r)
{
  double f = mean_log_loss (p, s, n, r);

  if (ridge > 0)
    {
      double q = 0;
      for (guint i = 0; i < p->m; i++)
        q += r[i] * r[i];
      f += 0.5 * ridge * q;
    }
  return f;
}

/* Gradient (and Hessian when @h is not NULL) of the objective. With λ = 0 the anchor is held
 * fixed: its gradient entry is zeroed and its Hessian row and column replaced by the identity,
 * so the Newton step never moves it. Returns ‖∇‖₂ of the free coordinates.
 *
 * σ(ln10·(r_i − r_j)) = e_i / (e_i + e_j) with e_i = 10^(r_i − max r): one exp per system
 * instead of one per pair (the bootstrap evaluates this thousands of times). When the ratings
 * span more than 250 orders of magnitude, where e_i would underflow, each pair takes its exp.
 * @e needs m doubles. */
static double
derivatives (const Problem *p,
             const double  *s,
             const double  *n,
             double         ridge,
             const double  *r,
             double        *g,
             double        *h,
             double        *e)
{
  guint m = p->m;
  double inv_total = 1.0 / p->total, norm = 0, top = -G_MAXDOUBLE, bottom = G_MAXDOUBLE;
  gboolean per_system;

  memset (g, 0, m * sizeof (double));
  if (h)
    memset (h, 0, (gsize) m * m * sizeof (double));
  for (guint i = 0; i < m; i++)
    {
      top = MAX (top, r[i]);
      bottom = MIN (bottom, r[i]);
    }
  per_system = top - bottom < 250;
  if (per_system)
    for (guint i = 0; i < m; i++)
      e[i] = exp (LN10 * (r[i] - top));
  for (guint k = 0; k < p->n_pairs; k++)
    {
      guint i = p->pi[k], j = p->pj[k];
      double sig, gk;

      if (n[k] <= 0)
        continue;
      if (per_system)
        sig = e[i] / (e[i] + e[j]);
      else
        sig = 1.0 / (1.0 + exp (-LN10 * (r[i] - r[j])));
      gk = LN10 * inv_total * (n[k] * sig - s[k]);
      g[i] += gk;
      g[j] -= gk;
      if (h)
        {
          double hk = LN10 * LN10 * inv_total * n[k] * sig * (1 - sig);
          h[(gsize) i * m + i] += hk;
          h[(gsize) j * m + j] += hk;
          h[(gsize) i * m + j] -= hk;
          h[(gsize) j * m + i] -= hk;
        }
    }
  if (ridge > 0)
    {
      for (guint i = 0; i < m; i++)
        {
          g[i] += ridge * r[i];
          if (h)
            h[(gsize) i * m + i] += ridge;
        }
    }
  else
    {
      g[p->anchor] = 0;
      if (h)
        {
          for (guint i = 0; i < m; i++)
            h[(gsize) p->anchor * m + i] = h[(gsize) i * m + p->anchor] = 0;
          h[(gsize) p->anchor * m + p->anchor] = 1;
        }
    }
  for (guint i = 0; i < m; i++)
    norm += g[i] * g[i];
  return sqrt (norm);
}

/* In-place Cholesky factor (lower triangle) of the m×m matrix @a. */
static gboolean
cholesky (double *a,
          guint   m)
{
  for (guint j = 0; j < m; j++)
    {
      double *rj = a + (gsize) j * m;
      double d = rj[j];

      for (guint k = 0; k < j; k++)
        d -= rj[k] * rj[k];
      if (!(d > 0))
        return FALSE;
      d = sqrt (d);
      rj[j] = d;
      for (guint i = j + 1; i < m; i++)
        {
          double *ri = a + (gsize) i * m;
          double v = ri[j];

          for (guint k = 0; k < j; k++)
            v -= ri[k] * rj[k];
          ri[j] = v / d;
        }
    }
  return TRUE;
}

/* Solves L·Lᵀ·x = b in place (x overwrites b). */
static void
cholesky_solve (const double *l,
                guint         m,
                double       *b)
{
  for (guint i = 0; i < m; i++)
    {
      const double *ri = l + (gsize) i * m;
      double v = b[i];

      for (guint k = 0; k < i; k++)
        v -= ri[k] * b[k];
      b[i] = v / ri[i];
    }
  for (guint i = m; i-- > 0;)
    {
      double v = b[i];

      for (guint k = i + 1; k < m; k++)
        v -= l[(gsize) k * m + i] * b[k];
      b[i] = v / l[(gsize) i * m + i];
    }
}

typedef struct
{
  double *g;
  double *d;
  double *h;
  double *trial;
  double *e;
} Work;

static void
work_init (Work *w,
           guint m)
{
  w->g = g_new (double, m);
  w->d = g_new (double, m);
  w->trial = g_new (double, m);
  w->e = g_new (double, m);
  w->h = g_new (double, (gsize) m * m);
}

static void
work_clear (Work *w)
{
  g_free (w->g);
  g_free (w->d);
  g_free (w->trial);
  g_free (w->e);
  g_free (w->h);
}

/* Damped Newton from @r (updated in place) until ‖∇‖₂ < tol. Armijo backtracking; near the
 * optimum the decrease drops below the rounding of f, so a full step whose predicted decrease
 * is below that rounding is taken as it is (Newton is then in its quadratic region). */
static gboolean
newton (const Problem *p,
        const double  *s,
        const double  *n,
        double         ridge,
        double        *r,
        double         tol,
        guint          max_iterations,
        Work          *w,
        guint         *iterations,
        double        *gradient_norm)
{
  guint m = p->m, it;
  double gnorm = derivatives (p, s, n, ridge, r, w->g, w->h, w->e);

  for (it = 0; it < max_iterations && !(gnorm < tol); it++)
    {
      double f0, slope = 0, t = 1;

      if (!cholesky (w->h, m))
        break;
      for (guint i = 0; i < m; i++)
        w->d[i] = -w->g[i];
      cholesky_solve (w->h, m, w->d);
      for (guint i = 0; i < m; i++)
        slope += w->g[i] * w->d[i];
      f0 = objective (p, s, n, ridge, r);
      for (int bt = 0; bt < 60; bt++)
        {
          double f1;

          for (guint i = 0; i < m; i++)
            w->trial[i] = r[i] + t * w->d[i];
          f1 = objective (p, s, n, ridge, w->trial);
          if (f1 <= f0 + 1e-4 * t * slope ||
              (t == 1 && -slope <= 64 * G_MINDOUBLE + 1e-15 * (1 + fabs (f0))))
            break;
          t *= 0.5;
        }
      memcpy (r, w->trial, m * sizeof (double));
      gnorm = derivatives (p, s, n, ridge, r, w->g, w->h, w->e);
    }
  *iterations = it;
  *gradient_norm = gnorm;
  return gnorm < tol;
}

static void
ratings_from_r (const Problem *p,
                const double  *r,
                double        *ratings)
{
  double shift = r[p->anchor];

  for (guint i = 0; i < p->n_systems; i++)
    ratings[i] = NAN;
  for (guint a = 0; a < p->m; a++)
    ratings[p->active[a]] = 400 * (r[a] - shift) + 1000;
}

static double
choose_ridge (const ArbBtOptions *options,
              gboolean            exists)
{
  if (options->ridge >= 0)
    return options->ridge;
  return exists ? 0 : ARB_BT_AUTO_RIDGE;
}

/**
 * arb_bradley_terry_fit:
 * @table: the battles
 * @options: (nullable): options, %NULL for the defaults of arb_bt_options_init()
 * @ratings: (out caller-allocates) (array): one rating per system of @table; NaN for a system
 *   without battles
 * @info: (out caller-allocates) (optional): how the solve went
 * @error: return location for a #GError
 *
 * Fits the Bradley-Terry model by (penalised) maximum likelihood. With the default ridge the
 * estimate is the plain MLE whenever it exists; when a group of systems never lost (or never
 * won) against the rest the MLE is infinite, and λ = %ARB_BT_AUTO_RIDGE keeps it finite
 * (@info->mle_exists tells which).
 *
 * Returns: %TRUE on success.
 */
gboolean
arb_bradley_terry_fit (const ArbBattleTable *table,
                       const ArbBtOptions   *options,
                       double               *ratings,
                       ArbBtInfo            *info,
                       GError              **error)
{
  ArbBtOptions defaults;
  Problem p;
  g_autofree double *s = NULL, *n = NULL, *r = NULL;
  g_autofree guint *cwork = NULL;
  Work w;
  gboolean exists, ok;
  double ridge, gnorm;
  guint iterations;

  g_return_val_if_fail (table != NULL, FALSE);
  g_return_val_if_fail (ratings != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options == NULL)
    {
      arb_bt_options_init (&defaults);
      options = &defaults;
    }
  if (!problem_init (&p, table, options->anchor, &s, &n, error))
    return FALSE;

  cwork = g_new (guint, CONNECT_WORK (p.m, p.n_pairs));
  exists = strongly_connected (&p, s, n, cwork);
  ridge = choose_ridge (options, exists);
  if (ridge == 0 && !exists)
    {
      /* Newton would walk off towards infinity until the gradient underflows the tolerance and
       * report a finite number that means nothing. */
      g_set_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_NO_CONVERGENCE,
                   "the Bradley-Terry MLE does not exist: some systems never lost (or never won) "
                   "against the others; use a ridge");
      if (info)
        *info = (ArbBtInfo) { .ridge = 0, .mle_exists = FALSE, .n_active = p.m };
      problem_clear (&p);
      return FALSE;
    }

  r = g_new0 (double, p.m);
  work_init (&w, p.m);
  ok = newton (&p, s, n, ridge, r, options->tolerance, options->max_iterations, &w,
               &iterations, &gnorm);
  work_clear (&w);

  if (info)
    *info = (ArbBtInfo) {
      .iterations = iterations, .gradient_norm = gnorm, .ridge = ridge, .mle_exists = exists,
      .mean_log_loss = mean_log_loss (&p, s, n, r), .n_active = p.m,
    };
  if (!ok)
    {
      g_set_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_NO_CONVERGENCE,
                   "Bradley-Terry did not converge: gradient norm %g after %u iterations",
                   gnorm, iterations);
      problem_clear (&p);
      return FALSE;
    }
  ratings_from_r (&p, r, ratings);
  problem_clear (&p);
  return TRUE;
}

/* ---- bootstrap ------------------------------------------------------------------------------ */

typedef struct
{
  const Problem             *p;
  const ArbBtOptions        *options;
  const ArbBootstrapOptions *bootstrap;
  double                     ridge;         /* of the full fit */
  const double              *r0;            /* the full fit, warm start */
  const double              *chol;          /* Cholesky factor of the full fit's Hessian */
  guint                      n_cells;
  const guint               *cell_pair;
  const guint8              *cell_kind;     /* 0 a won, 1 tie, 2 b won */
  const ArbMultinomial      *sampler;       /* over the cells, N draws */
  gboolean                   full_connected;
  const double              *full_s;        /* the full data's pair scores */
  const double              *full_n;
  double                    *samples;       /* rounds × n_systems */
  gint                       next_round;
  gint                       failed;
} Shared;

/* Chord iterations (the full fit's Hessian, factored once, for every round): a resampled data
 * set moves the optimum by O(1/√N), where that Hessian is within O(1/√N) of the round's own, so
 * each iteration gains several digits at the cost of a gradient and two triangular solves. A
 * round that stalls falls back to a full Newton solve. */
static gboolean
solve_round (const Shared *sh,
             const double *s,
             const double *n,
             double        ridge,
             double       *r,
             Work         *w)
{
  const Problem *p = sh->p;
  guint m = p->m, iterations;
  double gnorm, previous = G_MAXDOUBLE;

  memcpy (r, sh->r0, m * sizeof (double));
  if (ridge == sh->ridge)
    {
      for (guint it = 0; it < 40; it++)
        {
          gnorm = derivatives (p, s, n, ridge, r, w->g, NULL, w->e);
          if (gnorm < sh->options->tolerance)
            return TRUE;
          if (!(gnorm < 0.5 * previous))
            break;
          previous = gnorm;
          for (guint i = 0; i < m; i++)
            w->d[i] = -w->g[i];
          cholesky_solve (sh->chol, m, w->d);
          for (guint i = 0; i < m; i++)
            r[i] += w->d[i];
        }
    }
  return newton (p, s, n, ridge, r, sh->options->tolerance, sh->options->max_iterations, w,
                 &iterations, &gnorm);
}

static gpointer
bootstrap_worker (gpointer data)
{
  Shared *sh = data;
  const Problem *p = sh->p;
  guint m = p->m;
  g_autofree double *s = g_new (double, p->n_pairs);
  g_autofree double *n = g_new (double, p->n_pairs);
  g_autofree double *r = g_new (double, m);
  g_autofree guint *cwork = g_new (guint, CONNECT_WORK (m, p->n_pairs));
  g_autofree gboolean *present = g_new (gboolean, m);
  g_autofree guint64 *counts = g_new (guint64, sh->n_cells + 1);
  Work w;

  work_init (&w, m);
  for (;;)
    {
      guint round = (guint) g_atomic_int_add (&sh->next_round, 1);
      ArbRandom rng;
      gboolean connected;
      double ridge;
      double *out;

      if (round >= sh->bootstrap->rounds || g_atomic_int_get (&sh->failed))
        break;
      if (sh->bootstrap->cancel && g_atomic_int_get (sh->bootstrap->cancel))
        {
          g_atomic_int_set (&sh->failed, ARB_EVAL_ERROR_CANCELLED + 1);
          break;
        }

      /* Multinomial resampling of the N battles over the cells. */
      arb_random_init (&rng, sh->bootstrap->seed, round);
      arb_multinomial_draw (sh->sampler, &rng, counts);
      memset (s, 0, p->n_pairs * sizeof (double));
      memset (n, 0, p->n_pairs * sizeof (double));
      for (guint c = 0; c < sh->n_cells; c++)
        {
          double k = (double) counts[c];
          guint pair = sh->cell_pair[c];

          n[pair] += k;
          if (sh->cell_kind[c] == 0)
            s[pair] += k;
          else if (sh->cell_kind[c] == 1)
            s[pair] += 0.5 * k;
        }

      /* A round that kept every edge of the full data's strongly connected graph (both
       * directions of every pair that had them) is connected too: no search needed. */
      connected = sh->full_connected;
      for (guint k = 0; k < p->n_pairs && connected; k++)
        if ((sh->full_s[k] > 0 && !(s[k] > 0)) ||
            (sh->full_n[k] - sh->full_s[k] > 0 && !(n[k] - s[k] > 0)))
          connected = FALSE;
      memset (present, 0, m * sizeof (gboolean));
      for (guint k = 0; k < p->n_pairs; k++)
        if (n[k] > 0)
          present[p->pi[k]] = present[p->pj[k]] = TRUE;
      if (!connected)
        {
          connected = strongly_connected (p, s, n, cwork);
          for (guint i = 0; i < m; i++)
            connected = connected && present[i];
        }
      ridge = choose_ridge (sh->options, connected);

      out = sh->samples + (gsize) round * p->n_systems;
      if (ridge == 0 && !connected && present[p->anchor])
        {
          g_atomic_int_set (&sh->failed, ARB_EVAL_ERROR_NO_CONVERGENCE + 1);
          break;
        }
      if (!present[p->anchor] || !solve_round (sh, s, n, ridge, r, &w))
        {
          /* A round without the anchor has no rating scale; a round that did not converge
           * is an error, never a silent sample. */
          if (!present[p->anchor])
            {
              for (guint i = 0; i < p->n_systems; i++)
                out[i] = NAN;
              continue;
            }
          g_atomic_int_set (&sh->failed, ARB_EVAL_ERROR_NO_CONVERGENCE + 1);
          break;
        }
      ratings_from_r (p, r, out);
      for (guint i = 0; i < m; i++)
        if (!present[i])
          out[p->active[i]] = NAN;
    }
  work_clear (&w);
  return NULL;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/**
 * arb_quantile:
 * @values: (array length=n) (inout): values; NaNs are ignored; the array is sorted in place
 * @n: how many
 * @q: the quantile, in [0, 1]
 *
 * The quantile with linear interpolation between order statistics (NumPy's and pandas' default,
 * Hyndman & Fan type 7), as Arena-Hard's `quantile(0.025)` / `quantile(0.975)`.
 *
 * Returns: the quantile, NaN when no value is present.
 */
double
arb_quantile (double *values,
              gsize   n,
              double  q)
{
  double qs[1] = { q }, out[1];

  g_return_val_if_fail (values != NULL || n == 0, NAN);

  arb_quantiles (values, n, qs, 1, out);
  return out[0];
}

/**
 * arb_quantiles:
 * @values: (array length=n) (inout): values; NaNs are ignored; the array is reordered
 * @n: how many
 * @qs: (array length=n_qs): quantiles, each in [0, 1]
 * @n_qs: how many quantiles
 * @out: (out caller-allocates) (array length=n_qs): the quantiles of @values (NaN if none)
 *
 * As arb_quantile() for several quantiles of the same values, sorting once.
 */
void
arb_quantiles (double       *values,
               gsize         n,
               const double *qs,
               gsize         n_qs,
               double       *out)
{
  gsize k = 0;

  g_return_if_fail (values != NULL || n == 0);
  g_return_if_fail (n_qs == 0 || (qs && out));

  for (gsize i = 0; i < n; i++)
    if (!isnan (values[i]))
      values[k++] = values[i];
  if (k > 1)
    qsort (values, k, sizeof (double), compare_doubles);
  for (gsize j = 0; j < n_qs; j++)
    {
      double h, lo;

      if (k == 0)
        {
          out[j] = NAN;
          continue;
        }
      h = (k - 1) * CLAMP (qs[j], 0.0, 1.0);
      lo = floor (h);
      if ((gsize) lo + 1 >= k)
        out[j] = values[k - 1];
      else
        out[j] = values[(gsize) lo] + (h - lo) * (values[(gsize) lo + 1] - values[(gsize) lo]);
    }
}

/**
 * arb_bradley_terry_bootstrap:
 * @table: the battles
 * @options: (nullable): fit options
 * @bootstrap: (nullable): rounds, seed, interval, threads
 * @ci_low: (out caller-allocates) (array): lower percentile bound per system
 * @ci_high: (out caller-allocates) (array): upper percentile bound per system
 * @samples: (out caller-allocates) (array) (optional): rounds × n_systems ratings, round-major
 * @error: return location for a #GError
 *
 * Percentile bootstrap of the Bradley-Terry ratings: each round draws N battles with
 * replacement from the N battles (a multinomial over the cells), refits and anchors. Round r
 * draws from random stream (seed, r), so the result does not depend on the number of threads.
 * Each system's bounds are the (1 − ci)/2 and (1 + ci)/2 quantiles over the rounds in which it
 * had battles. The anchor's bounds are both 1000.
 *
 * Returns: %TRUE on success.
 */
gboolean
arb_bradley_terry_bootstrap (const ArbBattleTable      *table,
                             const ArbBtOptions        *options,
                             const ArbBootstrapOptions *bootstrap,
                             double                    *ci_low,
                             double                    *ci_high,
                             double                    *samples,
                             GError                   **error)
{
  ArbBtOptions defaults;
  ArbBootstrapOptions bdefaults;
  Problem p;
  Shared sh = { 0 };
  g_autofree double *s = NULL, *n = NULL, *r0 = NULL, *chol = NULL, *own_samples = NULL;
  g_autofree double *column = NULL, *cond = NULL;
  g_autofree guint *cwork = NULL, *cell_pair = NULL;
  g_autofree guint8 *cell_kind = NULL;
  g_autoptr(GPtrArray) threads = NULL;
  Work w;
  guint n_threads, iterations, n_cells = 0;
  g_autoptr(ArbMultinomial) sampler = NULL;
  double gnorm;
  gboolean ok;

  g_return_val_if_fail (table != NULL, FALSE);
  g_return_val_if_fail (ci_low != NULL && ci_high != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options == NULL)
    {
      arb_bt_options_init (&defaults);
      options = &defaults;
    }
  if (bootstrap == NULL)
    {
      arb_bootstrap_options_init (&bdefaults);
      bootstrap = &bdefaults;
    }
  if (bootstrap->rounds == 0 || !(bootstrap->ci > 0 && bootstrap->ci < 1))
    {
      g_set_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_INVALID,
                   "a bootstrap needs at least one round and a ci in (0, 1)");
      return FALSE;
    }
  if (!problem_init (&p, table, options->anchor, &s, &n, error))
    return FALSE;

  /* The full fit: warm start and the chord Hessian. */
  cwork = g_new (guint, CONNECT_WORK (p.m, p.n_pairs));
  sh.ridge = choose_ridge (options, strongly_connected (&p, s, n, cwork));
  if (sh.ridge == 0 && !strongly_connected (&p, s, n, cwork))
    {
      g_set_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_NO_CONVERGENCE,
                   "the Bradley-Terry MLE does not exist; use a ridge");
      problem_clear (&p);
      return FALSE;
    }
  r0 = g_new0 (double, p.m);
  work_init (&w, p.m);
  ok = newton (&p, s, n, sh.ridge, r0, options->tolerance, options->max_iterations, &w,
               &iterations, &gnorm);
  if (ok)
    {
      derivatives (&p, s, n, sh.ridge, r0, w.g, w.h, w.e);
      ok = cholesky (w.h, p.m);
    }
  chol = g_steal_pointer (&w.h);
  work_clear (&w);
  if (!ok)
    {
      g_set_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_NO_CONVERGENCE,
                   "Bradley-Terry did not converge on the full data (gradient norm %g)", gnorm);
      problem_clear (&p);
      return FALSE;
    }

  /* The cells that have battles, in pair order; a round draws N battles over them. */
  cell_pair = g_new (guint, 3 * (gsize) p.n_pairs);
  cell_kind = g_new (guint8, 3 * (gsize) p.n_pairs);
  cond = g_new (double, 3 * (gsize) p.n_pairs);
  for (guint k = 0; k < p.n_pairs; k++)
    {
      const Pair *pair = &g_array_index (table->pairs, Pair, k);

      for (guint8 o = 0; o < 3; o++)
        if (pair->counts[o] > 0)
          {
            cell_pair[n_cells] = k;
            cell_kind[n_cells] = o;
            cond[n_cells] = (double) pair->counts[o];
            n_cells++;
          }
    }
  sampler = arb_multinomial_new (table->total, cond, n_cells);

  if (samples == NULL)
    samples = own_samples = g_new (double, (gsize) bootstrap->rounds * p.n_systems);
  sh.p = &p;
  sh.options = options;
  sh.bootstrap = bootstrap;
  sh.r0 = r0;
  sh.chol = chol;
  sh.n_cells = n_cells;
  sh.cell_pair = cell_pair;
  sh.cell_kind = cell_kind;
  sh.sampler = sampler;
  sh.full_connected = strongly_connected (&p, s, n, cwork);
  sh.full_s = s;
  sh.full_n = n;
  sh.samples = samples;

  n_threads = bootstrap->n_threads ? bootstrap->n_threads : g_get_num_processors ();
  n_threads = MAX (1, MIN (n_threads, bootstrap->rounds));
  threads = g_ptr_array_new ();
  for (guint t = 1; t < n_threads; t++)
    g_ptr_array_add (threads, g_thread_new ("arb-bootstrap", bootstrap_worker, &sh));
  bootstrap_worker (&sh);
  for (guint t = 0; t < threads->len; t++)
    g_thread_join (g_ptr_array_index (threads, t));

  if (sh.failed)
    {
      gint code = sh.failed - 1;
      g_set_error (error, ARB_EVAL_ERROR, code,
                   code == ARB_EVAL_ERROR_CANCELLED ? "bootstrap cancelled"
                                                    : "a bootstrap round did not converge");
      problem_clear (&p);
      return FALSE;
    }

  column = g_new (double, bootstrap->rounds);
  for (guint i = 0; i < p.n_systems; i++)
    {
      const double qs[2] = { (1 - bootstrap->ci) / 2, (1 + bootstrap->ci) / 2 };
      double bounds[2];

      for (guint b = 0; b < bootstrap->rounds; b++)
        column[b] = samples[(gsize) b * p.n_systems + i];
      arb_quantiles (column, bootstrap->rounds, qs, 2, bounds);
      ci_low[i] = bounds[0];
      ci_high[i] = bounds[1];
    }
  problem_clear (&p);
  return TRUE;
}

/**
 * arb_predicted_win_rate:
 * @rating: a system's rating (or a bound of it)
 * @baseline_rating: the baseline's rating
 *
 * Arena-Hard's `predict_win_rate`: 100 / (1 + 10^((baseline − rating) / 400)).
 *
 * Returns: the expected win rate in percent (NaN when a rating is NaN).
 */
double
arb_predicted_win_rate (double rating,
                        double baseline_rating)
{
  return 100.0 / (1.0 + pow (10.0, (baseline_rating - rating) / 400.0));
}

void
arb_elo_options_init (ArbEloOptions *options)
{
  g_return_if_fail (options != NULL);
  *options = (ArbEloOptions) { .k = 4, .base = 10, .scale = 400, .init_rating = 1000 };
}

/**
 * arb_elo_online:
 * @battles: (array length=n_battles): battles in the order they happened
 * @n_battles: how many
 * @n_systems: systems the indices run over
 * @options: (nullable): K, base, scale, start (defaults 4, 10, 400, 1000)
 * @ratings: (out caller-allocates) (array): one rating per system
 *
 * FastChat's `compute_elo` (fastchat/serve/monitor/elo_analysis.py): for each battle,
 * e_a = 1 / (1 + base^((r_b − r_a)/scale)), s_a = 1, ½, 0; r_a += K(s_a − e_a),
 * r_b += K(1 − s_a − e_b). The result depends on the order of the battles.
 *
 * Returns: %FALSE when a battle's index is out of range (nothing is then computed).
 */
gboolean
arb_elo_online (const ArbBattle     *battles,
                gsize                n_battles,
                guint                n_systems,
                const ArbEloOptions *options,
                double              *ratings)
{
  ArbEloOptions defaults;

  g_return_val_if_fail (battles != NULL || n_battles == 0, FALSE);
  g_return_val_if_fail (ratings != NULL || n_systems == 0, FALSE);

  if (options == NULL)
    {
      arb_elo_options_init (&defaults);
      options = &defaults;
    }
  for (gsize i = 0; i < n_battles; i++)
    if (battles[i].a >= n_systems || battles[i].b >= n_systems ||
        battles[i].outcome > ARB_OUTCOME_B)
      return FALSE;
  for (guint i = 0; i < n_systems; i++)
    ratings[i] = options->init_rating;
  for (gsize i = 0; i < n_battles; i++)
    {
      double ra = ratings[battles[i].a], rb = ratings[battles[i].b];
      double ea = 1 / (1 + pow (options->base, (rb - ra) / options->scale));
      double eb = 1 / (1 + pow (options->base, (ra - rb) / options->scale));
      double sa = battles[i].outcome == ARB_OUTCOME_A ? 1 :
                  battles[i].outcome == ARB_OUTCOME_B ? 0 : 0.5;

      ratings[battles[i].a] += options->k * (sa - ea);
      ratings[battles[i].b] += options->k * (1 - sa - eb);
    }
  return TRUE;
}
