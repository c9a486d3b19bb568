"""``init-parity report``: the parity table and plots of fresh encoder-decoder weights (imports
:mod:`init_parity.suite` and :mod:`init_parity.scheme`, never the runtime).

One module per concern: :mod:`.command` (options, orchestration, exit codes), :mod:`.collect`
(the conformance checks per model type and mode), :mod:`.workers` (model types checked in worker
processes), :mod:`.answer` (what each model type's section leads with: its verdicts and drifts),
:mod:`.tables` (terminal and Markdown), :mod:`.plots`, :mod:`.html`, :mod:`.json_report`,
:mod:`.training` (the pretraining benchmark's figure and tables) and :mod:`.quiet` (frameworks'
start-up logging). The first loss is measured by :mod:`init_parity.suite.first_loss`.
"""
