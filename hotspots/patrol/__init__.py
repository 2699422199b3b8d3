"""Stage 6, patrol: where and when to send the teams next week.

:mod:`~hotspots.patrol.shifts` designs shifts that cover the hours problems
happen (the hour-of-week profiles of :mod:`hotspots.stats.profiles`);
:mod:`~hotspots.patrol.plan` plans the routes (a vehicle-routing problem with
time windows solved by OR-Tools on the street network) from the ranked
blind spots and returns a :class:`~hotspots.patrol.plan.PatrolPlan`;
:mod:`~hotspots.patrol.solver` holds the routing model it solves (the model,
its time-window dimension, the search and the reading of the routes).
"""
