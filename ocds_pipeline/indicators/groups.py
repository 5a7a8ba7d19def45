"""The groupings indicators can be computed by (a light module: the CLI's help lists them without pandas)."""

GROUPS = ("year", "month", "buyer", "province", "procedure_type", "method", "regime", "category", "market")
