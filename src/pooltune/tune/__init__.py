"""Pure analysis of probe samples: summaries, limits, the USL fit and the advice. No I/O."""
