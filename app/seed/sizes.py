"""The sizes `flask seed scale` generates. XL is all of Hokkaido: 179 municipalities and the prefecture's
sections over five fiscal years; M is about the data set of the first measurements (issue 10)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    name: str
    learners: int
    mentors: int
    organizers: int
    cohorts: int
    enrolments: int
    # Prefecture-wide online cohort: the organizer's biggest progress table.
    biggest_cohort: int
    # Fiscal years of cohorts: the current one (open, work in progress) and earlier ones (closed).
    years: int
    mentors_per_cohort: int


SIZES = {size.name: size for size in (
    Size("XS", learners=10, mentors=1, organizers=1, cohorts=1, enrolments=10, biggest_cohort=10, years=1,
         mentors_per_cohort=1),
    Size("S", learners=200, mentors=8, organizers=2, cohorts=8, enrolments=320, biggest_cohort=80, years=2,
         mentors_per_cohort=2),
    Size("M", learners=1_200, mentors=40, organizers=3, cohorts=25, enrolments=1_500, biggest_cohort=200, years=2,
         mentors_per_cohort=2),
    Size("L", learners=4_000, mentors=120, organizers=5, cohorts=150, enrolments=20_000, biggest_cohort=300,
         years=4, mentors_per_cohort=2),
    Size("XL", learners=10_000, mentors=300, organizers=10, cohorts=400, enrolments=60_000, biggest_cohort=500,
         years=5, mentors_per_cohort=2),
)}
