"""Retail: the star schema's rules (``rules``), table names (``tables``), dimension and fact transforms
(``model``), marts (``marts``) and the incremental build that writes them (``build``)."""
