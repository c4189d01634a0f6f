"""A tile map of Hokkaido's 14 subprefectures: one square each, placed roughly where the bureau's area
lies (a schematic, not boundaries), shaded by a count. Served as inline SVG by the app itself: no map
tiles, no CDN. The page shows the same numbers as a table."""

from dataclasses import dataclass

# (column, row) of each subprefecture, by the first word of its English name (codes are "hokkaido-<word>").
TILES = {
    "soya": (3, 0),
    "rumoi": (2, 1), "kamikawa": (3, 1), "okhotsk": (4, 1),
    "ishikari": (1, 2), "sorachi": (2, 2), "tokachi": (3, 2), "kushiro": (4, 2), "nemuro": (5, 2),
    "shiribeshi": (0, 3), "iburi": (1, 3), "hidaka": (2, 3),
    "hiyama": (0, 4), "oshima": (1, 4),
}
TILE, GAP = 80, 6
# Five steps of the design tokens' blue, light to dark; the text colour keeps 4.5:1 on each.
SHADES = (("#e8f1fe", "#1a1a1a"), ("#c5d7fb", "#1a1a1a"), ("#7096f8", "#1a1a1a"), ("#3460fb", "#ffffff"),
          ("#00118f", "#ffffff"))


# A tile has room for the place name only: 「空知総合振興局」 is shown as 「空知」, "Sorachi General
# Subprefectural Bureau" as "Sorachi" (the table gives the full names).
BUREAU_SUFFIXES = ("総合振興局", "振興局", " General Subprefectural Bureau", " Subprefectural Bureau")


def short_name(name: str) -> str:
    for suffix in BUREAU_SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


@dataclass(frozen=True)
class Tile:
    code: str
    name: str  # short: the place name only
    count: int
    x: int
    y: int
    fill: str
    text: str


@dataclass(frozen=True)
class TileMap:
    width: int
    height: int
    size: int
    tiles: list[Tile]
    steps: list[tuple[str, str, int, int]]  # legend: fill, text colour, from, to


def _steps(top: int) -> list[int]:
    """Upper bounds of the shades: 0 has the lightest; the rest split 1..top evenly (at least 1 each)."""
    if top <= 0:
        return [0]
    bounds = [0]
    for n in range(1, len(SHADES)):
        bound = max(bounds[-1] + 1, round(top * n / (len(SHADES) - 1)))
        if bound > top:
            break
        bounds.append(bound)
    if bounds[-1] < top:
        bounds[-1] = top
    return bounds


def tile_map(counts: list[tuple[str, str, int]]) -> TileMap:
    """`counts`: (organization code, name, count) of each subprefecture; unknown codes are left out."""
    bounds = _steps(max((c for _, _, c in counts), default=0))

    def shade(count: int) -> tuple[str, str]:
        step = next(n for n, bound in enumerate(bounds) if count <= bound)
        return SHADES[step]

    tiles = []
    for code, name, count in counts:
        place = TILES.get(code.removeprefix("hokkaido-"))
        if place is None:
            continue
        fill, text = shade(count)
        tiles.append(Tile(code, short_name(name), count, GAP + place[0] * (TILE + GAP), GAP + place[1] * (TILE + GAP), fill, text))
    columns = max(c for c, _ in TILES.values()) + 1
    rows = max(r for _, r in TILES.values()) + 1
    steps = [(SHADES[n][0], SHADES[n][1], (bounds[n - 1] + 1) if n else 0, bound) for n, bound in enumerate(bounds)]
    return TileMap(GAP + columns * (TILE + GAP), GAP + rows * (TILE + GAP), TILE, tiles, steps)
