"""Groups (班) within a cohort: their learners, their mentors, and the work they hand in together."""
