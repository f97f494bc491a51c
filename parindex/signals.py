"""Signals of the index, for the apps above it (parindex imports none of them).

``appraisal_below_self``: sent inside update_score's transaction when a sub-criterion's
round-1 appraisal becomes lower than its self score, i.e. when an explanation (giải trình)
falls due for its area's focal agency. Receivers write inside the same transaction, so a
rolled-back edit tells nobody. Arguments: ``score``, ``user``.
"""

from django.dispatch import Signal

appraisal_below_self = Signal()
