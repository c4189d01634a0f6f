"""The course catalogue (講座カタログ): free external courses and cases that organizers curate and learners
search in Japanese, and mark as done (issue 15)."""
