/* arb-random.h: counter-based random streams for reproducible, thread-count-free resampling
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One independent stream per (seed, stream index): a bootstrap round r draws from the stream
 * (seed, r), so which thread runs the round never changes what it draws. The generator is
 * SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014),
 * its start state a mix of the seed and the index. */
typedef struct
{
  guint64 state;
} ArbRandom;

void    arb_random_init         (ArbRandom *rng,
                                 guint64    seed,
                                 guint64    stream);
guint64 arb_random_next         (ArbRandom *rng);
double  arb_random_double       (ArbRandom *rng);
guint64 arb_random_below        (ArbRandom *rng,
                                 guint64    bound);
guint64 arb_random_binomial     (ArbRandom *rng,
                                 guint64    n,
                                 double     p);
void    arb_random_multinomial  (ArbRandom     *rng,
                                 guint64        n,
                                 const double  *weights,
                                 gsize          n_cells,
                                 guint64       *counts);

/* A sampler for many draws of one multinomial, as a bootstrap needs: the per-cell set-up is done
 * once, and a draw costs about one Poisson variate per cell (see arb_multinomial_draw()). */
typedef struct _ArbMultinomial ArbMultinomial;

ArbMultinomial *arb_multinomial_new   (guint64               n,
                                       const double         *weights,
                                       gsize                 n_cells);
void            arb_multinomial_free  (ArbMultinomial       *sampler);
void            arb_multinomial_draw  (const ArbMultinomial *sampler,
                                       ArbRandom            *rng,
                                       guint64              *counts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbMultinomial, arb_multinomial_free)

G_END_DECLS
