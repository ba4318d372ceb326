/* arb-cli-tokenize.c: being written (pre-wired in the build). */
