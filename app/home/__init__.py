"""Each role's home page: what needs doing today, for learners, mentors, organizers and administrators."""
