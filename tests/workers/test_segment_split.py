"""Where a long video splits (workers.video.segments): near every segment length, at a keyframe
(a cut first) within a quarter segment, on the watermark's period, never leaving a sliver."""
from fractions import Fraction

from workers.video.segments import segment_ranges, split_points

RATE = Fraction(30)


def test_without_keyframes_near_it_splits_on_the_period_nearest_each_length():
    assert split_points(300, RATE, segment_seconds=2, keyframes=[0], align=8) == [64, 128, 192, 256]
    assert split_points(300, RATE, segment_seconds=2, keyframes=[0]) == [60, 120, 180, 240]


def test_a_keyframe_near_the_length_is_taken_and_a_cut_preferred_over_a_nearer_one():
    assert split_points(200, RATE, segment_seconds=3, keyframes=[0, 96]) == [96]
    cuts = {104}
    assert split_points(200, RATE, segment_seconds=3, keyframes=[0, 88, 104],
                        is_cut=lambda index: index in cuts) == [104]
    assert split_points(200, RATE, segment_seconds=3, keyframes=[0, 88, 104], is_cut=lambda index: False) == [88]
    # Off the watermark's period: not a place to split when parts must start on it.
    assert split_points(200, RATE, segment_seconds=3, keyframes=[0, 95], align=8) == [88]


def test_short_videos_and_short_tails_are_not_split():
    assert split_points(60, RATE, segment_seconds=2, keyframes=[]) == []
    assert split_points(89, RATE, segment_seconds=2, keyframes=[]) == []  # a 29-frame tail stays with its part
    assert split_points(90, RATE, segment_seconds=2, keyframes=[]) == [60]


def test_ranges_keep_every_frame_once_and_read_their_overlap():
    ranges = segment_ranges(180, [60, 120], warmup=30, lookahead=4, state={"reference": [1.0]})
    assert [(r.start, r.end) for r in ranges] == [(0, 60), (60, 120), (120, 180)]
    assert [(r.read_start, r.read_end) for r in ranges] == [(0, 64), (30, 124), (90, 180)]
    assert sum(r.kept for r in ranges) == 180 and ranges[1].warmup == 30 and ranges[2].state == {"reference": [1.0]}


def test_a_watermark_period_longer_than_a_segment_still_ends():
    points = split_points(100, RATE, segment_seconds=0.1, keyframes=[], align=8)
    assert points == sorted(set(points)) and all(0 < p < 100 and p % 8 == 0 for p in points)
