/* arb-tokenizations.c: being written (pre-wired in the build). */
