"""Stage 6, patrol: where and when to send the teams next week.

:mod:`~hotspots.patrol.profiles` gives the hours problems happen
(hour-of-week profiles and peak windows), :mod:`~hotspots.patrol.shifts`
designs shifts that cover them, :mod:`~hotspots.patrol.plan` plans the
routes (a vehicle-routing problem with time windows solved by OR-Tools on
the street network) and returns a :class:`~hotspots.patrol.plan.PatrolPlan`.
"""
