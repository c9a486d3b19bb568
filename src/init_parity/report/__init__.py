"""``init-parity report``: the parity table and plots of fresh encoder-decoder weights.

One module per concern: :mod:`.command` (options, orchestration, exit codes), :mod:`.collect`
(the conformance checks per model type and mode), :mod:`.first_loss`, :mod:`.answer` (what each
model type's section leads with: its verdicts and drifts), :mod:`.tables` (terminal and
Markdown), :mod:`.plots`, :mod:`.html`, :mod:`.json_report` and :mod:`.quiet` (frameworks'
start-up logging).
"""
