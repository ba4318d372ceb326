/* arb-random.c: SplitMix64 streams, binomial and multinomial variates
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "arb-random.h"

#include <math.h>

/* The SplitMix64 finaliser (Steele, Lea & Flood 2014; the constants of Stafford's Mix13). */
static inline guint64
mix64 (guint64 z)
{
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

#define GOLDEN_GAMMA G_GUINT64_CONSTANT (0x9e3779b97f4a7c15)

/**
 * arb_random_init:
 * @rng: the stream to set up
 * @seed: the user's seed
 * @stream: which stream (a bootstrap round, a worker's item)
 *
 * Sets @rng to the start of stream @stream of @seed. Streams of the same seed are independent
 * for every practical purpose: the start state is mix(seed) mixed again with the index, so
 * neighbouring indices start far apart in SplitMix64's sequence.
 */
void
arb_random_init (ArbRandom *rng,
                 guint64    seed,
                 guint64    stream)
{
  g_return_if_fail (rng != NULL);

  rng->state = mix64 (mix64 (seed + GOLDEN_GAMMA) ^ (stream * GOLDEN_GAMMA + 0x632be59bd9b4e019));
}

/* The inner loops call these inline; the public functions below are the same. */
static inline guint64
next64 (ArbRandom *rng)
{
  rng->state += GOLDEN_GAMMA;
  return mix64 (rng->state);
}

static inline double
next_double (ArbRandom *rng)
{
  return (next64 (rng) >> 11) * 0x1.0p-53;
}

guint64
arb_random_next (ArbRandom *rng)
{
  return next64 (rng);
}

/* A double in [0, 1) with 53 random bits. */
double
arb_random_double (ArbRandom *rng)
{
  return next_double (rng);
}

/* An integer in [0, bound) without modulo bias (Lemire, "Fast random integer generation in an
 * interval", ACM TOMACS 2019). */
guint64
arb_random_below (ArbRandom *rng,
                  guint64    bound)
{
  unsigned __int128 m;
  guint64 l;

  g_return_val_if_fail (bound > 0, 0);

  m = (unsigned __int128) next64 (rng) * bound;
  l = (guint64) m;
  if (l < bound)
    {
      guint64 t = -bound % bound;
      while (l < t)
        {
          m = (unsigned __int128) next64 (rng) * bound;
          l = (guint64) m;
        }
    }
  return (guint64) (m >> 64);
}

/* ln k!, exact from a table below 10, else Stirling's series for ln Γ(k + 1) (error < 1e-13). */
static double
log_factorial (double k)
{
  static const double table[10] = {
    0.0, 0.0, 0.69314718055994531, 1.79175946922805500, 3.17805383034794562,
    4.78749174278204599, 6.57925121201010100, 8.52516136106541430, 10.60460290274525023,
    12.80182748008146961,
  };
  double x, x2;

  if (k < 10)
    return table[(int) k];
  x = k + 1;
  x2 = x * x;
  return (x - 0.5) * log (x) - x + 0.91893853320467274 +
         (1.0 / 12 - (1.0 / 360 - 1.0 / (1260 * x2)) / x2) / x;
}

/* Inversion by sequential search from 0; expected n·p + 1 steps, so only for small means. */
static guint64
binomial_inversion (ArbRandom *rng,
                    guint64    n,
                    double     p)
{
  double q = 1 - p;
  double s = p / q;
  double a = (n + 1) * s;
  double r = exp (n * log1p (-p));
  double u = next_double (rng);
  guint64 x = 0;

  while (u > r)
    {
      u -= r;
      x++;
      if (x > n)
        return n;  /* only by rounding: the mass past n is zero */
      r *= a / x - s;
      if (r <= 0)
        break;
    }
  return x;
}

/* BTRS, transformed rejection with squeeze (Hörmann, "The generation of binomial random
 * variates", J. Stat. Comput. Simul. 46, 1993), for n·p >= 10 and p <= 0.5. */
static guint64
binomial_btrs (ArbRandom *rng,
               guint64    n,
               double     p)
{
  double q = 1 - p;
  double spq = sqrt (n * p * q);
  double b = 1.15 + 2.53 * spq;
  double a = -0.0873 + 0.0248 * b + 0.01 * p;
  double c = n * p + 0.5;
  double v_r = 0.92 - 4.2 / b;
  double alpha = (2.83 + 5.1 / b) * spq;
  double lpq = log (p / q);
  double m = floor ((n + 1) * p);
  double h = log_factorial (m) + log_factorial (n - m);

  for (;;)
    {
      double u = next_double (rng) - 0.5;
      double v = next_double (rng);
      double us = 0.5 - fabs (u);
      double k;

      if (us <= 0)
        continue;
      k = floor ((2 * a / us + b) * u + c);
      if (k < 0 || k > n)
        continue;
      if (us >= 0.07 && v <= v_r)
        return (guint64) k;
      v = log (v * alpha / (a / (us * us) + b));
      if (v <= h - log_factorial (k) - log_factorial (n - k) + (k - m) * lpq)
        return (guint64) k;
    }
}

/**
 * arb_random_binomial:
 * @rng: the stream
 * @n: trials
 * @p: success probability (clamped to [0, 1])
 *
 * Returns: a Binomial(@n, @p) variate, exact (no normal approximation).
 */
guint64
arb_random_binomial (ArbRandom *rng,
                     guint64    n,
                     double     p)
{
  if (n == 0 || !(p > 0))
    return 0;
  if (p >= 1)
    return n;
  if (p > 0.5)
    return n - arb_random_binomial (rng, n, 1 - p);
  if (n * p < 10)
    return binomial_inversion (rng, n, p);
  return binomial_btrs (rng, n, p);
}

/**
 * arb_random_multinomial:
 * @rng: the stream
 * @n: draws
 * @weights: (array length=n_cells): non-negative cell weights, not necessarily normalised
 * @n_cells: number of cells
 * @counts: (out caller-allocates) (array length=n_cells): the counts, summing to @n
 *
 * Draws Multinomial(@n, @weights / Σ @weights) by conditional binomials: cell i gets
 * Binomial(n left, w_i / Σ_{j≥i} w_j). The suffix sums are taken from the end so a long run of
 * small cells does not lose them to rounding.
 */
void
arb_random_multinomial (ArbRandom     *rng,
                        guint64        n,
                        const double  *weights,
                        gsize          n_cells,
                        guint64       *counts)
{
  g_autofree double *suffix = NULL;
  guint64 left = n;

  g_return_if_fail (weights != NULL || n_cells == 0);
  g_return_if_fail (counts != NULL || n_cells == 0);

  if (n_cells == 0)
    return;
  suffix = g_new (double, n_cells + 1);
  suffix[n_cells] = 0;
  for (gsize i = n_cells; i-- > 0;)
    suffix[i] = suffix[i + 1] + (weights[i] > 0 ? weights[i] : 0);

  for (gsize i = 0; i < n_cells; i++)
    {
      double w = weights[i] > 0 ? weights[i] : 0;

      if (left == 0 || w == 0)
        counts[i] = 0;
      else if (suffix[i + 1] == 0)
        counts[i] = left;
      else
        counts[i] = arb_random_binomial (rng, left, w / suffix[i]);
      left -= counts[i];
    }
}

/* ---- many draws of one multinomial ------------------------------------------------------- */

/* Below this many draws the sampler simply uses conditional binomials. */
#define POISSON_MIN_N 1000

typedef struct
{
  double mu;         /* λ·p_i */
  double exp_neg;    /* e^−μ, for inversion (μ < 10) */
  double b;          /* PTRS constants (μ ≥ 10) */
  double a;
  double vr;
  double log_alpha;  /* ln(1 / α) = ln(invalpha) */
  double log_mu;
} PoissonCell;

struct _ArbMultinomial
{
  guint64      n;
  gsize        n_cells;
  double      *weights;   /* for the conditional-binomial path */
  PoissonCell *cells;     /* NULL: conditional binomials */
  double      *alias_p;   /* Walker's alias table over the cells, for the remainder */
  guint32     *alias;
};

/**
 * arb_multinomial_new:
 * @n: draws per sample
 * @weights: (array length=n_cells): non-negative cell weights
 * @n_cells: cells
 *
 * Returns: (transfer full): a sampler of Multinomial(@n, @weights / Σ @weights)
 */
ArbMultinomial *
arb_multinomial_new (guint64       n,
                     const double *weights,
                     gsize         n_cells)
{
  ArbMultinomial *m;
  double total = 0, lambda;
  g_autofree guint32 *small = NULL, *large = NULL;
  g_autofree double *scaled = NULL;
  gsize ns = 0, nl = 0;

  g_return_val_if_fail (weights != NULL || n_cells == 0, NULL);

  m = g_new0 (ArbMultinomial, 1);
  m->n = n;
  m->n_cells = n_cells;
  m->weights = g_new (double, n_cells + 1);
  for (gsize i = 0; i < n_cells; i++)
    {
      m->weights[i] = weights[i] > 0 ? weights[i] : 0;
      total += m->weights[i];
    }
  if (n < POISSON_MIN_N || !(total > 0) || n_cells >= G_MAXUINT32)
    return m;

  /* λ three standard deviations below n: the Poisson total exceeds n (and the draw is redone)
   * with probability about 0.13 %, and about 3√n draws are left for the alias table. */
  lambda = n - 3 * sqrt ((double) n);
  m->cells = g_new (PoissonCell, n_cells);
  for (gsize i = 0; i < n_cells; i++)
    {
      PoissonCell *c = &m->cells[i];
      double mu = lambda * m->weights[i] / total;

      *c = (PoissonCell) { .mu = mu, .exp_neg = exp (-mu) };
      if (mu >= 10)
        {
          double smu = sqrt (mu);

          c->b = 0.931 + 2.53 * smu;
          c->a = -0.059 + 0.02483 * c->b;
          c->vr = 0.9277 - 3.6224 / (c->b - 2);
          c->log_alpha = log (1.1239 + 1.1328 / (c->b - 3.4));
          c->log_mu = log (mu);
        }
    }

  /* Vose's alias method (Vose, IEEE TSE 17, 1991). */
  m->alias_p = g_new (double, n_cells);
  m->alias = g_new (guint32, n_cells);
  scaled = g_new (double, n_cells);
  small = g_new (guint32, n_cells);
  large = g_new (guint32, n_cells);
  for (gsize i = 0; i < n_cells; i++)
    {
      scaled[i] = m->weights[i] * n_cells / total;
      if (scaled[i] < 1)
        small[ns++] = i;
      else
        large[nl++] = i;
    }
  while (ns > 0 && nl > 0)
    {
      guint32 s = small[--ns], l = large[--nl];

      m->alias_p[s] = scaled[s];
      m->alias[s] = l;
      scaled[l] = (scaled[l] + scaled[s]) - 1;
      if (scaled[l] < 1)
        small[ns++] = l;
      else
        large[nl++] = l;
    }
  while (nl > 0)
    {
      guint32 l = large[--nl];
      m->alias_p[l] = 1;
      m->alias[l] = l;
    }
  while (ns > 0)
    {
      guint32 s = small[--ns];  /* only by rounding */
      m->alias_p[s] = 1;
      m->alias[s] = s;
    }
  return m;
}

void
arb_multinomial_free (ArbMultinomial *sampler)
{
  if (sampler == NULL)
    return;
  g_free (sampler->weights);
  g_free (sampler->cells);
  g_free (sampler->alias_p);
  g_free (sampler->alias);
  g_free (sampler);
}

/* PTRS, transformed rejection for Poisson variates (Hörmann, "The transformed rejection method
 * for generating Poisson random variables", Insurance: Math. & Econ. 12, 1993), with its
 * constants precomputed per cell; inversion below μ = 10. */
static inline guint64
poisson_cell (const PoissonCell *c,
              ArbRandom         *rng)
{
  if (c->mu < 10)
    {
      double prod = next_double (rng);
      guint64 k = 0;

      if (c->mu <= 0)
        return 0;
      /* Multiplying uniforms until the product drops below e^−μ (Knuth's algorithm). */
      while (prod > c->exp_neg)
        {
          prod *= next_double (rng);
          k++;
        }
      return k;
    }
  for (;;)
    {
      double u = next_double (rng) - 0.5;
      double v = next_double (rng);
      double us = 0.5 - fabs (u);
      double k;

      if (us <= 0)
        continue;
      k = floor ((2 * c->a / us + c->b) * u + c->mu + 0.43);
      if (us >= 0.07 && v <= c->vr)
        return (guint64) k;
      if (k < 0 || (us < 0.013 && v > us))
        continue;
      if (log (v) + c->log_alpha - log (c->a / (us * us) + c->b) <=
          -c->mu + k * c->log_mu - log_factorial (k))
        return (guint64) k;
    }
}

/**
 * arb_multinomial_draw:
 * @sampler: a sampler
 * @rng: the stream
 * @counts: (out caller-allocates): one count per cell, summing to n
 *
 * An exact multinomial draw by Poissonisation: independent X_i ~ Poisson(λ·p_i) with λ < n are,
 * given their total T, Multinomial(T, p); when T ≤ n the other n − T draws are added one by one
 * from the alias table, which makes the sum Multinomial(n, p) exactly; when T > n the Poisson
 * draw is redone. For n below 1 000 it uses conditional binomials.
 */
void
arb_multinomial_draw (const ArbMultinomial *sampler,
                      ArbRandom            *rng,
                      guint64              *counts)
{
  guint64 total;

  g_return_if_fail (sampler != NULL && rng != NULL);
  g_return_if_fail (counts != NULL || sampler->n_cells == 0);

  if (sampler->cells == NULL)
    {
      arb_random_multinomial (rng, sampler->n, sampler->weights, sampler->n_cells, counts);
      return;
    }
  do
    {
      total = 0;
      for (gsize i = 0; i < sampler->n_cells; i++)
        {
          counts[i] = poisson_cell (&sampler->cells[i], rng);
          total += counts[i];
        }
    }
  while (total > sampler->n);
  for (guint64 left = sampler->n - total; left > 0; left--)
    {
      guint64 i = arb_random_below (rng, sampler->n_cells);

      if (next_double (rng) < sampler->alias_p[i])
        counts[i]++;
      else
        counts[sampler->alias[i]]++;
    }
}
