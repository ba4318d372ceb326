/* arb-span-view.c: being written (pre-wired in the build). */
