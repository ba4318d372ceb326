/* arb-units.c: being written (pre-wired in the build). */
