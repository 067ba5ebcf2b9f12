"""History: captures of a URL over time (``snapshots``), the timelines of claims across them
(``timeline``), fetching capture histories from a Wayback Machine (``wayback``) and the
terminal view (``render``)."""
