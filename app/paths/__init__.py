"""Learning paths (issue 15): ordered steps (modules of this platform, catalogue courses) that lead to a
talent level, the learner's map of them, and the level badge issued when the required steps are held."""
