"""What the report's figures and heat map choose to show, on stock and scheme T5 in PyTorch: the
family figure draws one histogram per kind of drift, the drifting lm_head among them, the same roles
in both modes; the heat map of a large report has a row per model type, its farthest role."""

from __future__ import annotations

import math
import unittest

from init_parity.frameworks import installed
from init_parity.report import plots
from init_parity.report.collect import MODES, Report, collect, plan


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
