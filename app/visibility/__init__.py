"""Hokkaido-wide visibility (見える化) for organizers and the prefecture: learners, completions and badge
holders per talent level, per municipality and subprefecture, per fiscal year; coverage of municipalities
and prefecture sections by level-1 holders; a tile map of the 14 subprefectures; and the training-record
export for municipal HR (issue 15)."""
