"""Stage 5, accountability: who owns each place and how the owners do.

Built on the case ledger (:mod:`hotspots.ledger`):
:mod:`~hotspots.accountability.responsibility` gives each case its
responsible unit (frontage, place, segment, grid keeper, in that order);
:mod:`~hotspots.accountability.deadlines` its due time on the working-day
calendar; :mod:`~hotspots.accountability.overdue` the risk that an open case
misses it; :mod:`~hotspots.accountability.scorecard` the rates per unit with
Wilson intervals and the red/black list;
:mod:`~hotspots.accountability.recheck` the closed cases to check again
(回头看); :mod:`~hotspots.accountability.places` the key places' histories;
:mod:`~hotspots.accountability.sheets` the office workbooks. A separate stage
from the ledger because it reads the store and the blind-spot ledger and
adds the owners, which the analysis stages never need.
"""
