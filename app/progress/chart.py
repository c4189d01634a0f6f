"""The weekly activity chart's geometry: two bars a week (submissions, reviews) on a shared scale, drawn
as SVG by the template on the server (no script, nothing fetched)."""

from dataclasses import dataclass

from app.progress.queries import WeekActivity

HEIGHT = 200  # of the plot area, in SVG units
LEFT = 44  # room for the scale's numbers
BOTTOM = 40  # room for the week labels
TOP = 12
WEEK_WIDTH = 40
BAR_WIDTH = 14


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    value: int


@dataclass(frozen=True)
class WeekColumn:
    week: WeekActivity
    label_x: float
    show_label: bool
    submissions: Bar
    reviews: Bar


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    baseline: float
    columns: list[WeekColumn]
    ticks: list[Tick]


def _scale_top(largest: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50 … that is at least `largest`: round, whole-numbered ticks."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= largest:
                return step * magnitude
        magnitude *= 10


def weekly_chart(weeks: list[WeekActivity]) -> Chart:
    top = _scale_top(max([w.submissions for w in weeks] + [w.reviews for w in weeks] + [1]))
    baseline = TOP + HEIGHT
    # Every week's label when they fit, else every second, fourth … week's (the table has them all).
    label_every = 1
    while len(weeks) / label_every > 16:
        label_every *= 2

    def bar(x: float, value: int) -> Bar:
        height = HEIGHT * value / top
        return Bar(x, baseline - height, height, value)

    columns = []
    for n, week in enumerate(weeks):
        left = LEFT + n * WEEK_WIDTH + (WEEK_WIDTH - 2 * BAR_WIDTH) / 2
        columns.append(WeekColumn(week, LEFT + n * WEEK_WIDTH + WEEK_WIDTH / 2, n % label_every == 0,
                                  bar(left, week.submissions), bar(left + BAR_WIDTH, week.reviews)))
    ticks = [Tick(baseline - HEIGHT * share, round(top * share)) for share in (0, 0.5, 1)
             if share != 0.5 or top % 2 == 0]
    width = LEFT + max(len(weeks), 1) * WEEK_WIDTH + 8
    return Chart(width, baseline + BOTTOM, LEFT, width - 8, baseline, columns, ticks)
