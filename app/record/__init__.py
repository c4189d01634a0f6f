"""The learner's own printable record (issue 15): levels, paths, badges, completed modules, courses."""
