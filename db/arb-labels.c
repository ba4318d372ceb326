/* arb-labels.c: being written (pre-wired in the build). */
