"""What the report's figures and heat map choose to show, on stock and scheme T5 in PyTorch: the
family figure draws one histogram per kind of drift, the drifting lm_head among them, the same roles
in both modes; the heat map of a large report has a row per model type, its farthest role."""

from __future__ import annotations

import math
import unittest

import numpy as np

from init_parity.report import plots
from init_parity.report.collect import MODES, Report, collect, plan, summary_line
from init_parity.suite.frameworks import installed


def assert_pp_labels_readable(test: unittest.TestCase, family) -> None:
    """Draws ``family``'s stock PP plot and checks, in display coordinates, that each label of a
    drifting curve lies inside the panel, apart from the other labels, and that no point of a curve
    falls inside a label (the thin lines joining a label to its curve are not curves)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    fig, ax = plt.subplots(figsize=(18 / 3.6, 4.6))  # about a PP panel of the family figure
    try:
        plots._pp(ax, family, "stock", plots.drawn_roles(family, "stock"))
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        # a label's framed box (an annotation's own extent would take in the line to its curve)
        labels = [
            text.get_bbox_patch().get_window_extent(renderer) if text.get_bbox_patch() else
            Text.get_window_extent(text, renderer)
            for text in ax.texts
        ]  # fmt: skip
        test.assertGreater(len(labels), 0, "a drifting curve is labelled")
        panel = ax.get_window_extent(renderer)
        for index, box in enumerate(labels):
            test.assertTrue(panel.contains(box.x0, box.y0) and panel.contains(box.x1, box.y1), ax.texts[index])
            for other in labels[index + 1 :]:
                test.assertFalse(box.overlaps(other), f"{ax.texts[index].get_text()} overlaps another label")
            for line in ax.lines:  # the curves, and last the diagonal (its two ends, filled in)
                xy = line.get_xydata()
                if len(xy) == 2:
                    xy = xy[0] + np.linspace(0, 1, 201)[:, None] * (xy[1] - xy[0])
                hidden = box.count_contains(ax.transData.transform(xy))
                test.assertEqual(hidden, 0, f"{ax.texts[index].get_text()} hides {hidden} points of a curve")
    finally:
        plt.close(fig)


class ReportFiguresTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        (cls.family,) = collect(plan(["t5"], ("pt",)), tuple(MODES), None)
        cls.report = Report([cls.family], tuple(MODES), ("scheme",), ("pt",), None)

    def test_one_histogram_per_kind_of_drift_and_the_head_among_them(self):
        roles = plots.drawn_roles(self.family, "stock")
        featured, drifting = plots.featured_roles(self.family, roles)
        self.assertIn("lm_head.untied", featured)
        self.assertGreaterEqual(drifting, len(featured))
        self.assertLessEqual(len(featured), plots.MAX_FEATURED_ROLES)
        kinds = [plots._drift_kind(self.family, role) for role in featured]
        self.assertEqual(len(set(kinds)), len(kinds), "two histograms of one kind of drift")
        stock_drifts = set(self.family.modes["stock"].drifting_roles())
        self.assertTrue(set(featured) <= stock_drifts, "only roles that drift (here: in stock) are featured")

    def test_the_figure_counts_the_drifting_roles_the_summary_counts(self):
        # the summary's "drifts in N of M roles" and the figure's "of the N drifting roles" are one count:
        # parameter roles, without independence or the first loss (stock T5's first loss drifts too)
        featured, drifting = plots.featured_roles(self.family, plots.drawn_roles(self.family, "stock"))
        roles, others = self.family.modes["stock"].drifts()
        self.assertIn("first loss", others)
        self.assertNotIn("first loss", roles)
        self.assertEqual(drifting, len(roles))
        self.assertIn(f"stock drifts in {drifting} of ", summary_line(self.family))

    def test_pp_labels_overlap_neither_each_other_nor_the_curves(self):
        assert_pp_labels_readable(self, self.family)

    def test_the_model_type_row_shows_the_drifting_head(self):
        columns = [(mode, "pt") for mode in MODES]
        (rows,) = plots._role_rows(self.report, columns).values()
        self.assertGreater(len(rows), 1)
        row = plots._model_type_row("t5", rows)
        self.assertEqual(row.label, f"t5 ({len(rows)} roles)")
        stock, scheme = row.values
        self.assertEqual(row.notes[0], "lm_head.untied")  # N(0, 1) against d_model ** -0.5: a ratio of 8
        self.assertGreater(stock, 4.0)
        self.assertEqual(row.marks, [True, False])
        self.assertLess(abs(math.log(scheme)), math.log(1.2))

    def test_the_heat_map_has_a_row_per_model_type_above_the_limit(self):
        from unittest import mock

        columns = [(mode, "pt") for mode in MODES]
        rows, per_model_type = plots.heatmap_rows(self.report, columns)
        self.assertFalse(per_model_type)
        self.assertIn("t5 · lm_head.untied", [row.label for row in rows])
        with mock.patch.object(plots, "HEATMAP_MAX_ROLE_ROWS", len(rows) - 1):
            summary, per_model_type = plots.heatmap_rows(self.report, columns)
        self.assertTrue(per_model_type)
        self.assertEqual([row.label for row in summary], [f"t5 ({len(rows)} roles)"])


@unittest.skipUnless({"tf", "flax"} <= set(installed()), "needs TensorFlow and Flax (the 5.x line has neither)")
class KindsOfDriftTest(unittest.TestCase):
    """Stock Whisper in TensorFlow draws its attention and MLP projections from one wrong uniform:
    many roles, a few kinds of drift, one histogram each."""

    def test_roles_of_one_kind_of_drift_get_one_histogram(self):
        (family,) = collect(plan(["whisper"], ("pt", "tf", "flax")), tuple(MODES), None)
        roles = plots.drawn_roles(family, "stock")
        featured, drifting = plots.featured_roles(family, roles)
        drifting_roles = set(family.modes["stock"].drifting_roles()) | set(family.modes["scheme"].drifting_roles())
        kinds = {plots._drift_kind(family, role) for role in roles if role in drifting_roles}
        self.assertEqual(len(featured), min(len(kinds), plots.MAX_FEATURED_ROLES))
        self.assertLess(len(featured), drifting)
        # the conv layers come first and drift as the projections do (TensorFlow's uniform, too wide): one histogram
        self.assertIn("conv", featured)
        self.assertNotIn("attention.q", featured)
        assert_pp_labels_readable(self, family)
