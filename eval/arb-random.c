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

guint64
arb_random_next (ArbRandom *rng)
{
  rng->state += GOLDEN_GAMMA;
  return mix64 (rng->state);
}

/* A double in [0, 1) with 53 random bits. */
double
arb_random_double (ArbRandom *rng)
{
  return (arb_random_next (rng) >> 11) * 0x1.0p-53;
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

  m = (unsigned __int128) arb_random_next (rng) * bound;
  l = (guint64) m;
  if (l < bound)
    {
      guint64 t = -bound % bound;
      while (l < t)
        {
          m = (unsigned __int128) arb_random_next (rng) * bound;
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
  double u = arb_random_double (rng);
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
      double u = arb_random_double (rng) - 0.5;
      double v = arb_random_double (rng);
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
