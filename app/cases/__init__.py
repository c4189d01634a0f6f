"""Exemplary work (優秀事例, 横展開): mentors nominate accepted work, its authors consent, organizers publish it
to a case library that every signed-in user reads; withdrawing consent takes it off everywhere at once."""
